import * as fs from 'node:fs';
import * as path from 'node:path';
import { clientErrorCodes, ERROR_CODES, isErrorCode } from './error-codes';
import { MdgError } from './mdg-error';
import { InvalidTradeError } from './invalid-trade-error';
import { UnknownInstrumentError } from './unknown-instrument-error';
import { InvalidInstrumentError } from './invalid-instrument-error';
import { InvalidConfigError } from './invalid-config-error';
import { InvalidFeedInputError } from './invalid-feed-input-error';

/**
 * Pinned on purpose: changing the registry must be a conscious act that also updates the
 * README's "Error codes" table (the failure message says so).
 */
const PINNED_CODE_COUNT = 30;
const ROOT = path.resolve(__dirname, '../../../..');
/** Repository-relative folder of the error classes (their own `super('CODE')` does not count as a use). */
const ERRORS_FOLDER = 'libs/model/src/errors/';

/** Rows of the README's "Error codes" table: `| \`CODE\` | where | meaning | what to do |`. */
function readmeErrorTable(): { code: string; cells: string[] }[] {
  const lines = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n');
  const heading = lines.findIndex((line) => /^#+ Error codes\s*$/.test(line));
  if (heading < 0) throw new Error('README.md has no "Error codes" section');
  const rows: { code: string; cells: string[] }[] = [];
  let inTable = false;
  for (const line of lines.slice(heading + 1)) {
    if (!line.startsWith('|')) {
      if (inTable) break;
      continue;
    }
    inTable = true;
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    const code = /^`([A-Z][A-Z0-9_]*)`$/.exec(cells[0] ?? '')?.[1];
    if (code !== undefined) rows.push({ code, cells });
  }
  return rows;
}

/** Every non-spec, non-test-helper TypeScript file under apps/ and libs/, repository-relative. */
function productionSources(): { file: string; text: string }[] {
  const found: { file: string; text: string }[] = [];
  const walk = (relative: string): void => {
    for (const entry of fs.readdirSync(path.join(ROOT, relative), { withFileTypes: true })) {
      const child = `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'testing' && entry.name !== 'dist') walk(child);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && child !== `${ERRORS_FOLDER}error-codes.ts`) {
        found.push({ file: child, text: fs.readFileSync(path.join(ROOT, child), 'utf8') });
      }
    }
  };
  walk('apps');
  walk('libs');
  return found;
}

/** The error classes of this folder by the code they pass to MdgError. */
function errorClassesByCode(): Map<string, string[]> {
  const byCode = new Map<string, string[]>();
  for (const file of fs.readdirSync(__dirname)) {
    if (!file.endsWith('-error.ts')) continue;
    const source = fs.readFileSync(path.join(__dirname, file), 'utf8');
    const name = /export class (\w+)/.exec(source)?.[1];
    if (name === undefined) continue;
    for (const match of source.matchAll(/super\('([A-Z_]+)'/g)) byCode.set(match[1]!, [...(byCode.get(match[1]!) ?? []), name]);
  }
  return byCode;
}

describe('error code registry', () => {
  it('has the pinned number of codes (a new or removed code must reach the docs)', () => {
    const count = Object.keys(ERROR_CODES).length;
    if (count !== PINNED_CODE_COUNT) {
      throw new Error(
        `ERROR_CODES has ${count} codes, this test pins ${PINNED_CODE_COUNT}. A code was added or removed: ` +
          `document a client code in the README "Error codes" table (code, where it appears, meaning, what a client should do), then set PINNED_CODE_COUNT to ${count}.`,
      );
    }
  });

  it('codes are upper snake case with an audience and a meaning', () => {
    for (const [code, { audience, meaning }] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(['client', 'operator']).toContain(audience);
      expect(meaning.length).toBeGreaterThan(10);
    }
    expect(clientErrorCodes().length).toBeGreaterThan(10);
  });

  it('documents every client-visible code in the README "Error codes" table, and only registered codes', () => {
    const rows = readmeErrorTable();
    const documented = rows.map((row) => row.code);
    const missing = clientErrorCodes().filter((code) => !documented.includes(code));
    expect({ missingFromReadme: missing }).toEqual({ missingFromReadme: [] });
    expect({ unknownInReadme: documented.filter((code) => !isErrorCode(code)) }).toEqual({ unknownInReadme: [] });
    expect({ duplicated: documented.filter((code, index) => documented.indexOf(code) !== index) }).toEqual({ duplicated: [] });
    for (const row of rows) expect([row.code, row.cells.every((cell) => cell.length > 0)]).toEqual([row.code, true]);
  });

  it('uses every code somewhere in non-test source (no dead codes), and sends clients only client codes', () => {
    const sources = productionSources();
    const classes = errorClassesByCode();
    const unused = Object.keys(ERROR_CODES).filter((code) => {
      const constructions = (classes.get(code) ?? []).map((name) => new RegExp(`new ${name}\\(`));
      return !sources.some(
        ({ file, text }) => !file.startsWith(ERRORS_FOLDER) && (text.includes(`'${code}'`) || constructions.some((pattern) => pattern.test(text))),
      );
    });
    expect({ unused }).toEqual({ unused: [] });
    // The protocol adapters write codes straight onto the wire: each must be a documented client code.
    const adapters = sources.filter(({ file }) => /^libs\/(uws|socketio|http)\//.test(file));
    const sentByAdapters = new Set(adapters.flatMap(({ text }) => [...text.matchAll(/'([A-Z][A-Z0-9_]{3,})'/g)].map((match) => match[1]!)).filter(isErrorCode));
    expect({ operatorCodesOnTheWire: [...sentByAdapters].filter((code) => ERROR_CODES[code].audience !== 'client') }).toEqual({ operatorCodesOnTheWire: [] });
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
