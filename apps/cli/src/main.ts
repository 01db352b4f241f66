/** `npm run mdg -- <command>`: operator commands (see run-cli.ts). */
import { MdgError } from '@mdg/model';
import { runCli } from './run-cli';

// Exit explicitly once the command is done: an operator's command must not linger on a
// connection that is still winding down (the store was closed in runCli's finally).
runCli(process.argv.slice(2), process.env, { out: (line) => console.log(line), err: (line) => console.error(line) }).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof MdgError ? `${error.code}: ${error.message}` : error);
    process.exit(1);
  },
);
