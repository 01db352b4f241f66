/**
 * `npm run mdg -- <command>`: operator commands. Reads the same MDG_KEYS_FILE as the
 * gateway, which notices changes within about a second.
 */
import { FileKeyStore, KEYS_USAGE, runKeysCommand } from '@mdg/auth';
import { MdgError } from '@mdg/model';

const USAGE = ['Usage: npm run mdg -- <command>', '', KEYS_USAGE].join('\n');

async function main(argv: readonly string[]): Promise<number> {
  const [command] = argv;
  if (command !== 'keys') {
    console.error(USAGE);
    return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
  const store = await FileKeyStore.open({ path: process.env['MDG_KEYS_FILE'] ?? '.mdg/keys.json', watch: false });
  try {
    return await runKeysCommand(argv, store, (line) => console.log(line));
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof MdgError ? `${error.code}: ${error.message}` : error);
    process.exitCode = 1;
  },
);
