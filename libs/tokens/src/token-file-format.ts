import { TokenStoreError } from '@mdg/model';
import { compareRegisteredTokens, decodeRegisteredToken, encodeRegisteredToken } from './registered-token-codec';
import type { RegisteredToken } from './token-registry';

/** Version of the tokens file layout: `{ "version": 1, "tokens": [RegisteredToken, ...] }`. */
export const TOKEN_FILE_VERSION = 1;

/** Parses a tokens file into registrations by address; throws TokenStoreError('corrupt') naming the first problem. */
export function parseTokenFile(text: string, source: string): Map<string, RegisteredToken> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new TokenStoreError('corrupt', `${source} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const corrupt = (problem: string): TokenStoreError =>
    new TokenStoreError('corrupt', `${source} is not a valid tokens file: ${problem} (expected {"version":${TOKEN_FILE_VERSION},"tokens":[...]})`);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw corrupt('not a JSON object');
  const file = data as Record<string, unknown>;
  if (file['version'] !== TOKEN_FILE_VERSION) throw corrupt(`unsupported version ${JSON.stringify(file['version'])}`);
  const tokens = file['tokens'];
  if (!Array.isArray(tokens)) throw corrupt('"tokens" is not an array');
  const table = new Map<string, RegisteredToken>();
  tokens.forEach((entry: unknown, index) => {
    const token = decodeRegisteredToken(entry, `${source} tokens[${index}]`);
    if (table.has(token.tokenAddress)) throw corrupt(`tokens[${index}]: ${token.tokenAddress} is listed twice`);
    table.set(token.tokenAddress, token);
  });
  return table;
}

/** The file text: oldest registration first, two-space indent, trailing newline (diff-friendly for operators). */
export function serializeTokenFile(tokens: Iterable<RegisteredToken>): string {
  const list = [...tokens].sort(compareRegisteredTokens).map(encodeRegisteredToken);
  return `${JSON.stringify({ version: TOKEN_FILE_VERSION, tokens: list }, null, 2)}\n`;
}
