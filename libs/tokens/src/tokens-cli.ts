import { CliUsageError, formatColumns, parseCliArgs, requireOption, type ParsedCliArgs } from '@mdg/cli-args';
import { TokenStoreError, WRAPPED_SOL_MINT } from '@mdg/model';
import type { RegisteredToken, TokenRegistry } from './token-registry';

export const TOKENS_USAGE = [
  'Usage: mdg tokens <command>',
  '  tokens add MINT --decimals N --symbol NAME [--quote MINT]   track a Solana token (quote defaults to wrapped SOL)',
  '  tokens list                                                list tracked tokens',
  '  tokens remove MINT                                         stop tracking a token (running nodes keep it until they restart)',
  '  tokens help                                                show this help',
].join('\n');

/** Exit codes: 0 done, 1 failed (not found, conflict, store error), 2 bad arguments. */
export const TOKENS_EXIT = { ok: 0, failed: 1, usage: 2 } as const;

type ParsedArgs = ParsedCliArgs;

/**
 * `mdg tokens ...`: register, list and unregister the Solana tokens mdg tracks. `args` are
 * the words after `tokens` (a leading `tokens` is accepted too); every line goes to `out`.
 * Returns the process exit code.
 */
export async function runTokensCommand(args: readonly string[], store: TokenRegistry, out: (line: string) => void): Promise<number> {
  const words = args[0] === 'tokens' ? args.slice(1) : [...args];
  const [command, ...rest] = words;
  try {
    switch (command) {
      case 'add':
        return await add(parse(rest, ['decimals', 'symbol', 'quote'], 1, 'MINT'), store, out);
      case 'list':
        return await list(parse(rest, [], 0, ''), store, out);
      case 'remove':
        return await remove(parse(rest, [], 1, 'MINT'), store, out);
      case 'help':
      case '--help':
      case '-h':
        out(TOKENS_USAGE);
        return TOKENS_EXIT.ok;
      case undefined:
        throw new CliUsageError('missing command');
      default:
        throw new CliUsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (error instanceof CliUsageError || (error instanceof TokenStoreError && error.reason === 'invalid-argument')) {
      out(`error: ${error.message}`);
      out(TOKENS_USAGE);
      return TOKENS_EXIT.usage;
    }
    if (error instanceof TokenStoreError) {
      out(`error: ${error.message}`);
      return TOKENS_EXIT.failed;
    }
    throw error;
  }
}

async function add(args: ParsedArgs, store: TokenRegistry, out: (line: string) => void): Promise<number> {
  const tokenAddress = args.positional[0]!;
  const decimalsText = requireOption(args, 'decimals');
  if (!/^\d{1,2}$/.test(decimalsText)) throw new CliUsageError(`--decimals must be an integer 0..18, got ${JSON.stringify(decimalsText)}`);
  const symbol = requireOption(args, 'symbol');
  const quote = args.options.get('quote');
  // No tokens option is a flag, so a given --quote is always a string.
  const quoteToken = typeof quote === 'string' ? quote : WRAPPED_SOL_MINT;
  const { added, token } = await store.add({ tokenAddress, quoteToken, decimals: Number(decimalsText), symbol });
  if (!added) {
    out(`${describe(token)} is already tracked with this definition; nothing changed.`);
    return TOKENS_EXIT.ok;
  }
  out(`Tracking ${describe(token)}: ${token.decimals} decimals, quoted in ${token.quoteToken}.`);
  out('Every running node picks it up within seconds; its trades are accepted from now on.');
  return TOKENS_EXIT.ok;
}

async function list(_args: ParsedArgs, store: TokenRegistry, out: (line: string) => void): Promise<number> {
  const tokens = await store.list();
  if (tokens.length === 0) {
    out('No tokens tracked.');
    return TOKENS_EXIT.ok;
  }
  const rows = [
    ['ADDRESS', 'SYMBOL', 'DECIMALS', 'QUOTE', 'REGISTERED', 'ORIGIN'],
    ...tokens.map((token) => [
      token.tokenAddress,
      token.symbol,
      String(token.decimals),
      token.quoteToken,
      new Date(token.registeredAt).toISOString(),
      token.origin,
    ]),
  ];
  for (const line of formatColumns(rows)) out(line);
  out(`${tokens.length} token(s).`);
  return TOKENS_EXIT.ok;
}

async function remove(args: ParsedArgs, store: TokenRegistry, out: (line: string) => void): Promise<number> {
  const tokenAddress = args.positional[0]!;
  const removed = await store.remove(tokenAddress);
  if (removed === undefined) {
    out(`error: ${tokenAddress} is not tracked`);
    return TOKENS_EXIT.failed;
  }
  out(`Stopped tracking ${describe(removed)}: nodes that start from now on do not track it.`);
  // Said plainly, because an operator would otherwise expect it to vanish at once.
  out('Running nodes keep serving it until they restart (live subscriptions and candles are never cut off mid-stream).');
  return TOKENS_EXIT.ok;
}

function describe(token: RegisteredToken): string {
  return `${token.symbol} (${token.tokenAddress})`;
}

/** Every tokens option takes a value; there are no flags. */
function parse(words: readonly string[], allowed: readonly string[], positionalCount: number, positionalName: string): ParsedArgs {
  return parseCliArgs(words, { allowed, positionalCount, positionalName });
}
