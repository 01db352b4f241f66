import type { EnvReader } from './env-reader';

/**
 * Where keys and token registrations live: read the same way by the gateway and the CLI, so
 * `npm run mdg -- keys create` always writes where the running gateway looks.
 */
export interface StoreSettings {
  /** With Redis the roles may run in separate processes and keys live there; without it, in files. */
  readonly redisUrl: string | undefined;
  readonly redisKeyPrefix: string;
  /** JSON keys file shared by the gateway (polled) and `npm run mdg -- keys ...` (embedded mode). */
  readonly keysFile: string;
  /** Registered tokens (embedded mode; with Redis they live there). */
  readonly tokensFile: string;
}

export function readStoreSettings(read: EnvReader): StoreSettings {
  return {
    redisUrl: read.redisUrl('REDIS_URL'),
    redisKeyPrefix: read.text('MDG_REDIS_PREFIX', 'mdg:'),
    keysFile: read.text('MDG_KEYS_FILE', '.mdg/keys.json'),
    tokensFile: read.text('MDG_TOKENS_FILE', '.mdg/tokens.json'),
  };
}
