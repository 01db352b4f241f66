import { CliUsageError } from './cli-usage-error';

export interface ParsedCliArgs {
  positional: string[];
  /** Value options map to their value, flags to `true`. */
  options: Map<string, string | true>;
}

export interface CliArgsSpec {
  /** Options this command accepts (names without `--`); anything else is a usage error. */
  allowed: readonly string[];
  /** Allowed options that take no value. Default: none, every allowed option takes a value. */
  flags?: ReadonlySet<string>;
  /** Exactly this many positional words are required. */
  positionalCount: number;
  /** Names the missing positional word in the error, e.g. `MINT` gives `missing MINT`. */
  positionalName: string;
}

/**
 * `--name value`, `--name=value` and `--flag`; unknown or repeated options, missing values and
 * missing or extra words are CliUsageErrors. A value given as the next word may not start with
 * `--`, so a forgotten value never swallows the following option.
 */
export function parseCliArgs(words: readonly string[], spec: CliArgsSpec): ParsedCliArgs {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith('--')) {
      positional.push(word);
      continue;
    }
    const eq = word.indexOf('=');
    const name = eq === -1 ? word.slice(2) : word.slice(2, eq);
    if (!spec.allowed.includes(name)) throw new CliUsageError(`unknown option --${name}`);
    if (options.has(name)) throw new CliUsageError(`--${name} given twice`);
    if (spec.flags?.has(name)) {
      if (eq !== -1) throw new CliUsageError(`--${name} takes no value`);
      options.set(name, true);
      continue;
    }
    const value = eq === -1 ? words[++i] : word.slice(eq + 1);
    if (value === undefined || value === '' || (eq === -1 && value.startsWith('--'))) throw new CliUsageError(`--${name} needs a value`);
    options.set(name, value);
  }
  if (positional.length < spec.positionalCount) throw new CliUsageError(`missing ${spec.positionalName}`);
  if (positional.length > spec.positionalCount) throw new CliUsageError(`unexpected argument ${JSON.stringify(positional[spec.positionalCount])}`);
  return { positional, options };
}
