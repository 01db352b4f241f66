import { CliUsageError } from './cli-usage-error';
import { formatColumns } from './format-columns';
import { parseCliArgs } from './parse-cli-args';
import { requireOption } from './require-option';

const spec = { allowed: ['user', 'force'], flags: new Set(['force']), positionalCount: 1, positionalName: 'NAME' };

describe('parseCliArgs', () => {
  it('reads --name value, --name=value, flags and positional words', () => {
    const parsed = parseCliArgs(['--user', 'u1', 'thing', '--force'], spec);
    expect(parsed.positional).toEqual(['thing']);
    expect(parsed.options).toEqual(
      new Map<string, string | true>([
        ['user', 'u1'],
        ['force', true],
      ]),
    );
    expect(parseCliArgs(['thing', '--user=a=b'], spec).options.get('user')).toBe('a=b');
  });

  it.each([
    [['thing', '--other', 'x'], 'unknown option --other'],
    [['thing', '--user', 'a', '--user', 'b'], '--user given twice'],
    [['thing', '--force=yes'], '--force takes no value'],
    [['thing', '--user'], '--user needs a value'],
    [['thing', '--user='], '--user needs a value'],
    [['thing', '--user', '--force'], '--user needs a value'],
    [[], 'missing NAME'],
    [['one', 'two'], 'unexpected argument "two"'],
  ])('rejects %j with a usage error: %s', (words, message) => {
    expect(() => parseCliArgs(words, spec)).toThrow(CliUsageError);
    expect(() => parseCliArgs(words, spec)).toThrow(message);
  });

  it('treats every allowed option as a value option when no flags are given', () => {
    expect(() => parseCliArgs(['--force'], { allowed: ['force'], positionalCount: 0, positionalName: '' })).toThrow('--force needs a value');
  });
});

describe('requireOption', () => {
  it('returns a value and refuses a missing option or a flag', () => {
    const parsed = parseCliArgs(['thing', '--user', 'u1', '--force'], spec);
    expect(requireOption(parsed, 'user')).toBe('u1');
    expect(() => requireOption(parsed, 'force')).toThrow('--force is required');
    expect(() => requireOption(parseCliArgs(['thing'], spec), 'user')).toThrow(CliUsageError);
  });
});

describe('formatColumns', () => {
  it('pads every column to its widest cell, two spaces apart, without trailing spaces', () => {
    expect(
      formatColumns([
        ['A', 'BB', 'C'],
        ['long', 'x', ''],
      ]),
    ).toEqual(['A     BB  C', 'long  x']);
    expect(formatColumns([])).toEqual([]);
  });
});
