/**
 * `npm run mdg -- <command>`: operator commands. Uses the same key store as the gateway:
 * Redis when REDIS_URL is set (every edge hears a revocation within 2 s), otherwise the
 * MDG_KEYS_FILE the embedded gateway polls.
 */
import { FileKeyStore, KEYS_USAGE, runKeysCommand, type KeyStore } from '@mdg/auth';
import { MdgError } from '@mdg/model';
import { RedisKeyStore, RedisTokenRegistry } from '@mdg/redis';
import { FileTokenRegistry, runTokensCommand, TOKENS_USAGE, type TokenRegistry } from '@mdg/tokens';

const USAGE = ['Usage: npm run mdg -- <command>', '', KEYS_USAGE, '', TOKENS_USAGE].join('\n');

async function main(argv: readonly string[]): Promise<number> {
  const [command] = argv;
  const redisUrl = process.env['REDIS_URL'];
  const keyPrefix = process.env['MDG_REDIS_PREFIX'] ?? 'mdg:';
  if (command === 'tokens') {
    const tokens: TokenRegistry = redisUrl
      ? await RedisTokenRegistry.open({ connection: redisUrl, keyPrefix, reconcileIntervalMs: 0 })
      : await FileTokenRegistry.open({ path: process.env['MDG_TOKENS_FILE'] ?? '.mdg/tokens.json', watch: false });
    try {
      return await runTokensCommand(argv, tokens, (line) => console.log(line));
    } finally {
      await tokens.close();
    }
  }
  if (command !== 'keys') {
    console.error(USAGE);
    return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
  const store: KeyStore = redisUrl
    ? await RedisKeyStore.open({ connection: redisUrl, keyPrefix, reconcileIntervalMs: 0 })
    : await FileKeyStore.open({ path: process.env['MDG_KEYS_FILE'] ?? '.mdg/keys.json', watch: false });
  try {
    return await runKeysCommand(argv, store, (line) => console.log(line));
  } finally {
    await store.close();
  }
}

// Exit explicitly once the command is done: an operator's command must not linger on a
// connection that is still winding down (the store was closed in main's finally).
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof MdgError ? `${error.code}: ${error.message}` : error);
    process.exit(1);
  },
);
