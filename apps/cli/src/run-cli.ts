import { KEYS_USAGE, runKeysCommand, type KeyStore } from '@mdg/auth';
import { loadCliConfig, type Env } from '@mdg/config';
import { FileKeyStore, FileTokenRegistry } from '@mdg/local-store';
import { RedisKeyStore, RedisTokenRegistry } from '@mdg/redis';
import { runTokensCommand, TOKENS_USAGE, type TokenRegistry } from '@mdg/tokens';

const USAGE = ['Usage: npm run mdg -- <command>', '', KEYS_USAGE, '', TOKENS_USAGE].join('\n');

export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

/**
 * `npm run mdg -- <command>`: operator commands, on the same stores as the gateway (Redis when
 * REDIS_URL is set, otherwise the files the embedded gateway polls), found through the same
 * validated settings. Resolves with the exit code; an invalid setting rejects with InvalidConfigError.
 */
export async function runCli(argv: readonly string[], env: Env, output: CliOutput): Promise<number> {
  const config = loadCliConfig(env);
  for (const warning of config.warnings) output.err(`warning: ${warning}`);
  const [command] = argv;
  const { redisUrl, redisKeyPrefix: keyPrefix } = config;
  if (command === 'tokens') {
    const tokens: TokenRegistry = redisUrl
      ? await RedisTokenRegistry.open({ connection: redisUrl, keyPrefix, reconcileIntervalMs: 0 })
      : await FileTokenRegistry.open({ path: config.tokensFile, watch: false });
    try {
      return await runTokensCommand(argv, tokens, (line) => output.out(line));
    } finally {
      await tokens.close();
    }
  }
  if (command !== 'keys') {
    output.err(USAGE);
    return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
  const store: KeyStore = redisUrl
    ? await RedisKeyStore.open({ connection: redisUrl, keyPrefix, reconcileIntervalMs: 0 })
    : await FileKeyStore.open({ path: config.keysFile, watch: false });
  try {
    return await runKeysCommand(argv, store, (line) => output.out(line));
  } finally {
    await store.close();
  }
}
