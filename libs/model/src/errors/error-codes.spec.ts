import * as fs from 'node:fs';
import * as path from 'node:path';
import { ERROR_CODES, isErrorCode } from './error-codes';
import { MdgError } from './mdg-error';
import { InvalidTradeError } from './invalid-trade-error';
import { UnknownInstrumentError } from './unknown-instrument-error';
import { InvalidInstrumentError } from './invalid-instrument-error';
import { InvalidConfigError } from './invalid-config-error';
import { InvalidFeedInputError } from './invalid-feed-input-error';

describe('error code registry', () => {
  it('codes are upper snake case with a description', () => {
    for (const [code, description] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(description.length).toBeGreaterThan(10);
    }
  });

  it('every code literal used by an error class in this folder is registered', () => {
    const folder = __dirname;
    const used = new Set<string>();
    for (const file of fs.readdirSync(folder)) {
      if (!file.endsWith('-error.ts') || file === 'mdg-error.ts') continue;
      const source = fs.readFileSync(path.join(folder, file), 'utf8');
      for (const match of source.matchAll(/super\('([A-Z_]+)'/g)) used.add(match[1]!);
    }
    expect(used.size).toBeGreaterThanOrEqual(5);
    for (const code of used) expect(isErrorCode(code)).toBe(true);
  });

  it('errors carry their code, their class name and a message', () => {
    const errors: MdgError[] = [
      new InvalidTradeError('price', 'must be positive'),
      new UnknownInstrumentError('NOPE'),
      new InvalidInstrumentError('bad decimals'),
      new InvalidConfigError(['PORT must be a number', 'X missing']),
      new InvalidFeedInputError('line 3', 'not JSON'),
    ];
    const codes = errors.map((error) => error.code);
    expect(codes).toEqual(['INVALID_TRADE', 'UNKNOWN_INSTRUMENT', 'INVALID_INSTRUMENT', 'INVALID_CONFIG', 'INVALID_FEED_INPUT']);
    for (const error of errors) {
      expect(error).toBeInstanceOf(MdgError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(error.constructor.name);
      expect(error.message.length).toBeGreaterThan(5);
    }
    expect(errors[3]!.message).toBe('Invalid configuration: PORT must be a number; X missing');
  });

  it('isErrorCode rejects unregistered codes', () => {
    expect(isErrorCode('AUTH_FAILED')).toBe(true);
    expect(isErrorCode('NOT_A_CODE')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
  });
});
