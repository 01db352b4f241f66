import { normalizePriceSymbol, type PriceSymbol } from '@mdg/model';

export type SymbolsPayloadResult =
  | { readonly ok: true; readonly symbols: readonly PriceSymbol[] }
  | { readonly ok: false; readonly code: 'INVALID_PAYLOAD' | 'UNKNOWN_SYMBOL'; readonly error: string };

/** Longest piece of client input echoed back in an error (never reflect megabytes). */
const ECHO_LIMIT = 24;

/**
 * Validates a `subscribe`/`unsubscribe` payload `{ symbols: string[] }`: an object whose
 * `symbols` is a non-empty array of at most `maxSymbols` strings, each a supported symbol
 * (case-insensitive, surrounding blanks ignored). Returns the upper-case symbols without
 * duplicates, in the order given, or the first problem as a message fit for the client.
 */
export function parseSymbolsPayload(payload: unknown, maxSymbols: number): SymbolsPayloadResult {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return invalid(`Invalid payload: expected an object { symbols: string[] }, got ${describe(payload)}`);
  }
  const symbols: unknown = (payload as { symbols?: unknown }).symbols;
  if (!Array.isArray(symbols)) return invalid(`Invalid payload: symbols must be an array of strings, got ${describe(symbols)}`);
  if (symbols.length === 0) return invalid('Invalid payload: symbols must not be empty');
  if (symbols.length > maxSymbols) return invalid(`Invalid payload: at most ${maxSymbols} symbols per message, got ${symbols.length}`);
  const accepted = new Set<PriceSymbol>();
  const unknown = new Set<string>();
  for (const [index, symbol] of symbols.entries()) {
    if (typeof symbol !== 'string') return invalid(`Invalid payload: symbols[${index}] must be a string, got ${describe(symbol)}`);
    const normalized = normalizePriceSymbol(symbol);
    if (normalized === undefined) unknown.add(echo(symbol.trim().toUpperCase()));
    else accepted.add(normalized);
  }
  if (unknown.size > 0) {
    const error = unknown.size === 1 ? `Unknown symbol: ${[...unknown].join('')}` : `Unknown symbols: ${[...unknown].join(', ')}`;
    return { ok: false, code: 'UNKNOWN_SYMBOL', error };
  }
  return { ok: true, symbols: [...accepted] };
}

function invalid(error: string): SymbolsPayloadResult {
  return { ok: false, code: 'INVALID_PAYLOAD', error };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

function echo(text: string): string {
  return text.length > ECHO_LIMIT ? `${text.slice(0, ECHO_LIMIT)}…` : text;
}
