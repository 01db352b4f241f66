import type { ErrorCode } from '@mdg/model';

/** How a batch body is framed: NDJSON (one trade per line) or one JSON array of trades. */
export type TradeBatchFormat = 'ndjson' | 'json-array';

/** One item of a batch with its 1-based position: the NDJSON line number or the array index + 1. */
export interface TradeBatchItem {
  readonly line: number;
  readonly value: unknown;
}

/** Why one item was refused, as reported back to the sender. */
export interface TradeBatchError {
  readonly line: number;
  readonly error: string;
  readonly code: ErrorCode;
}

export type ParsedTradeBatch =
  | { readonly ok: true; readonly items: TradeBatchItem[]; readonly errors: TradeBatchError[] }
  /** The body as a whole is unusable (a broken JSON array, not an array): nothing to report per line. */
  | { readonly ok: false; readonly error: string; readonly code: ErrorCode };

/**
 * Splits a batch body into items. NDJSON: lines split on \n (a trailing \r is dropped), blank
 * lines skipped, each line parsed on its own — a bad line becomes an INVALID_JSON error for that
 * line and the others still count. JSON array: parsed whole; numbering follows the elements.
 */
export function parseTradeBatch(text: string, format: TradeBatchFormat): ParsedTradeBatch {
  if (format === 'json-array') {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      return { ok: false, code: 'INVALID_JSON', error: `the body is not valid JSON: ${(error as Error).message}` };
    }
    if (!Array.isArray(data))
      return { ok: false, code: 'INVALID_PAYLOAD', error: 'an application/json body must be an array of trades (or send application/x-ndjson)' };
    return { ok: true, items: data.map((value: unknown, index) => ({ line: index + 1, value })), errors: [] };
  }
  const items: TradeBatchItem[] = [];
  const errors: TradeBatchError[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim().length === 0) return;
    try {
      items.push({ line: index + 1, value: JSON.parse(line) });
    } catch (error) {
      errors.push({ line: index + 1, code: 'INVALID_JSON', error: `not JSON: ${(error as Error).message}` });
    }
  });
  return { ok: true, items, errors };
}
