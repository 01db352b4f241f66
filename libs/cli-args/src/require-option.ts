import { CliUsageError } from './cli-usage-error';
import type { ParsedCliArgs } from './parse-cli-args';

/** The value of a required value option; a missing one (or a flag in its place) is a CliUsageError. */
export function requireOption(args: ParsedCliArgs, name: string): string {
  const value = args.options.get(name);
  if (typeof value !== 'string') throw new CliUsageError(`--${name} is required`);
  return value;
}
