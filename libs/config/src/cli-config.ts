import { InvalidConfigError } from '@mdg/model';
import type { Env } from './env';
import { EnvReader } from './env-reader';
import { readStoreSettings, type StoreSettings } from './store-settings';
import { unknownSettingWarnings } from './unknown-setting-warnings';

/** What `npm run mdg -- ...` reads from its environment: only where the stores are, validated like the gateway's. */
export interface CliConfig extends StoreSettings {
  /** Unknown `MDG_*` variables (likely typos), one line each, printed before the command runs. */
  readonly warnings: readonly string[];
}

/** Throws InvalidConfigError listing every problem; the gateway's other settings are not checked here (the CLI does not use them). */
export function loadCliConfig(env: Env): CliConfig {
  const read = new EnvReader(env);
  const store = readStoreSettings(read);
  if (read.problems.length > 0) throw new InvalidConfigError(read.problems);
  return Object.freeze({ ...store, warnings: Object.freeze(unknownSettingWarnings(env)) });
}
