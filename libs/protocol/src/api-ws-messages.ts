import type { PriceSymbol } from '@mdg/model';
import type { PriceUpdate } from './price-update';
import type { RefusalCode } from './refusal-codes';

/**
 * The exact `connect_error` messages of PROTOCOL.md section A. A rate-limited address gets the
 * documented `Authentication failed` too (clients written for the base protocol know only
 * that one); `err.data.code` (AUTH_RATE_LIMITED, with `retryAfterMs`) tells the two apart.
 * SERVICE_UNAVAILABLE (a backing service failed: retry later, the key may be fine) is not in
 * the base protocol.
 */
export const CONNECT_ERROR_MESSAGES: Readonly<Record<RefusalCode, string>> = Object.freeze({
  AUTH_FAILED: 'Authentication failed',
  AUTH_RATE_LIMITED: 'Authentication failed',
  PRO_REQUIRED: 'Pro subscription required',
  CONNECTION_LIMIT: 'Connection limit exceeded',
  SERVICE_UNAVAILABLE: 'Service unavailable',
});

/** `err.data` of a refused `/api-ws` connection. */
export interface RefusalData {
  code: RefusalCode;
  /** Only with AUTH_RATE_LIMITED: when the address may try again. */
  retryAfterMs?: number;
}

/** The answer to a `subscribe`/`unsubscribe` sent with an ack callback. */
export type SymbolsAck = { ok: true; symbols: PriceSymbol[] } | { ok: false; error: string; code?: 'INVALID_PAYLOAD' | 'UNKNOWN_SYMBOL' | 'RATE_LIMITED' };

/** Server → client events of `/api-ws`. */
export interface ServerToClientEvents {
  'initial-prices': (updates: PriceUpdate[]) => void;
  'price-update': (update: PriceUpdate) => void;
}

/** Client → server events of `/api-ws`: payloads are validated (parseSymbolsPayload), never trusted. */
export interface ClientToServerEvents {
  subscribe: (...args: unknown[]) => void;
  unsubscribe: (...args: unknown[]) => void;
}
