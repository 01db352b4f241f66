import { TIMEFRAMES, type ErrorCode } from '@mdg/model';

/**
 * The exact server → client texts of `/ws/chart-live` (PROTOCOL.md section B), built in one
 * place so the spec can pin them byte for byte. Base-protocol texts are reproduced exactly;
 * extensions only ever add fields (`code`, `id`, `seq`, `candle.closed`).
 */

/** An optional request id sent by the client; echoed in the confirmation or error it caused. */
export type RequestId = string | number;

/** The codes this endpoint can send in an error message. */
export type ChartLiveErrorCode = Extract<
  ErrorCode,
  | 'AUTH_FAILED'
  | 'AUTH_RATE_LIMITED'
  | 'PRO_REQUIRED'
  | 'SERVICE_UNAVAILABLE'
  | 'CONNECTION_LIMIT'
  | 'INVALID_JSON'
  | 'MISSING_TOKEN'
  | 'INVALID_TIMEFRAME'
  | 'TOKEN_NOT_TRACKED'
  | 'INVALID_PAYLOAD'
  | 'RATE_LIMITED'
  | 'TOO_MANY_SUBSCRIPTIONS'
  | 'MESSAGE_TOO_LARGE'
  | 'INVALID_HISTORY'
  | 'HISTORY_GAP'
>;

/** One error as the client will see it (before the optional id is attached). */
export interface ChartLiveError {
  readonly code: ChartLiveErrorCode;
  readonly message: string;
}

/**
 * The documented beginnings of the base-protocol error messages. Clients written for the
 * original service match on these, so every message of that kind starts with exactly this.
 */
export const ERROR_PREFIXES = Object.freeze({
  AUTH_FAILED: 'Authentication failure',
  INVALID_JSON: 'Invalid JSON format',
  MISSING_TOKEN: 'Missing tokenAddress in subscription message',
  INVALID_TIMEFRAME: 'Invalid timeframe value',
  TOKEN_NOT_TRACKED: 'Token not found or not tracked',
} as const);

const SUPPORTED_TIMEFRAMES_TEXT = `Supported timeframes (seconds): ${TIMEFRAMES.join(', ')}`;

/** Echoes of client input are cut short: an error must never grow with what the client sent. */
function preview(value: unknown, max = 64): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Builders of every error this endpoint sends; the spec checks each against ERROR_PREFIXES. */
export const chartLiveErrors = Object.freeze({
  missingApiKey: (): ChartLiveError => ({
    code: 'AUTH_FAILED',
    message: `${ERROR_PREFIXES.AUTH_FAILED}: missing API key (send it in the x-api-key header or the apiKey query parameter)`,
  }),
  // One text for malformed, unknown and revoked-at-connect keys: a guesser learns nothing.
  invalidApiKey: (): ChartLiveError => ({ code: 'AUTH_FAILED', message: `${ERROR_PREFIXES.AUTH_FAILED}: invalid API key` }),
  apiKeyRevoked: (): ChartLiveError => ({ code: 'AUTH_FAILED', message: `${ERROR_PREFIXES.AUTH_FAILED}: API key revoked` }),
  // The key is real but its plan is suspended: like a revocation until the plan is active again.
  planInactive: (): ChartLiveError => ({ code: 'AUTH_FAILED', message: `${ERROR_PREFIXES.AUTH_FAILED}: the plan of this API key is inactive` }),
  // Never sent by the chart-live endpoint itself (it accepts every active plan); here so every refusal has its text.
  proRequired: (): ChartLiveError => ({ code: 'PRO_REQUIRED', message: 'Pro subscription required' }),
  // Not "Authentication failure": the key may be fine, and clients matching that prefix give up for good.
  // The close code (4429) says the same: retry after a pause.
  authRateLimited: (retryAfterMs: number): ChartLiveError => ({
    code: 'AUTH_RATE_LIMITED',
    message: `Too many failed authentication attempts from this address; retry in ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s`,
  }),
  shuttingDown: (): ChartLiveError => ({ code: 'SERVICE_UNAVAILABLE', message: 'Service unavailable: the server is shutting down; reconnect' }),
  // A backing service failed, not the client: the key may be fine (same text as /api-ws).
  serviceUnavailable: (detail: string): ChartLiveError => ({ code: 'SERVICE_UNAVAILABLE', message: `Service unavailable: ${detail}; retry later` }),
  connectionLimit: (limit: number): ChartLiveError => ({
    code: 'CONNECTION_LIMIT',
    message: `Connection limit exceeded: at most ${limit} concurrent chart-live connection${limit === 1 ? '' : 's'} per user`,
  }),
  invalidJson: (): ChartLiveError => ({
    code: 'INVALID_JSON',
    message: `${ERROR_PREFIXES.INVALID_JSON}: send a JSON object such as {"tokenAddress":"...","timeframe":60}`,
  }),
  missingToken: (): ChartLiveError => ({ code: 'MISSING_TOKEN', message: ERROR_PREFIXES.MISSING_TOKEN }),
  invalidTimeframe: (value: unknown): ChartLiveError => ({
    code: 'INVALID_TIMEFRAME',
    message: `${ERROR_PREFIXES.INVALID_TIMEFRAME}: ${preview(value, 32)}. ${SUPPORTED_TIMEFRAMES_TEXT}`,
  }),
  tokenNotTracked: (tokenAddress: string): ChartLiveError => ({
    code: 'TOKEN_NOT_TRACKED',
    message: `${ERROR_PREFIXES.TOKEN_NOT_TRACKED}: ${preview(tokenAddress)}`,
  }),
  invalidPayload: (detail: string): ChartLiveError => ({ code: 'INVALID_PAYLOAD', message: `Invalid payload: ${detail}` }),
  rateLimited: (perSecond: number): ChartLiveError => ({
    code: 'RATE_LIMITED',
    message: `Rate limit exceeded: at most ${perSecond} messages per second; this message was ignored`,
  }),
  tooManySubscriptions: (max: number): ChartLiveError => ({
    code: 'TOO_MANY_SUBSCRIPTIONS',
    message: `Too many subscriptions: at most ${max} per connection; unsubscribe from one first`,
  }),
  messageTooLarge: (maxBytes: number): ChartLiveError => ({
    code: 'MESSAGE_TOO_LARGE',
    message: `Message too large: at most ${maxBytes} bytes; this message was ignored`,
  }),
  // Extension (`"history"` / `"since"` in a subscription): the subscription is not made.
  invalidHistory: (field: 'history' | 'since', value: unknown, problem: string): ChartLiveError => ({
    code: 'INVALID_HISTORY',
    message: `Invalid ${field} value: ${preview(value, 32)}; ${field} ${problem}`,
  }),
  // Refused rather than ignored: a bot resuming with "since" must not believe it missed nothing.
  historyUnavailable: (): ChartLiveError => ({
    code: 'INVALID_HISTORY',
    message: 'History not available: this node keeps no candle history; subscribe without "history" and "since"',
  }),
  historyGap: (tokenAddress: string, timeframe: number, after: number | undefined, before: number): ChartLiveError => ({
    code: 'HISTORY_GAP',
    message: `History gap: final ${timeframe}s candles of ${preview(tokenAddress)}${after === undefined ? '' : ` after ${new Date(after).toISOString()}`} and before ${new Date(before).toISOString()} could not be recovered and may be missing; resubscribe with "since" to check`,
  }),
});

/** Appends `id` last when the request carried one (base clients never send it, so never see it). */
function withId<T extends object>(body: T, id: RequestId | undefined): T | (T & { id: RequestId }) {
  return id === undefined ? body : { ...body, id };
}

/** Sent once, right after a successful open. */
export function connectedMessage(): string {
  return JSON.stringify({
    type: 'connected',
    message: 'Connected to ChartLive WebSocket. Send a JSON object with "tokenAddress" and optional "timeframe".',
  });
}

export function subscriptionConfirmedMessage(tokenAddress: string, timeframe: number, id?: RequestId): string {
  return JSON.stringify(withId({ type: 'subscriptionConfirmed', message: `Subscribed to ${tokenAddress} with ${timeframe}s timeframe` }, id));
}

/** Extension: answer to `{"type":"unsubscribe",...}`; sent whether or not the stream was subscribed (idempotent). */
export function unsubscribedMessage(tokenAddress: string, timeframe: number, id?: RequestId): string {
  return JSON.stringify(
    withId({ type: 'unsubscribed', tokenAddress, timeframe, message: `Unsubscribed from ${tokenAddress} with ${timeframe}s timeframe` }, id),
  );
}

/** Extension: answer to `{"type":"ping"}`; `time` is the server's wall clock in ms. */
export function pongMessage(timeMs: number, id?: RequestId): string {
  return JSON.stringify(withId({ type: 'pong', time: timeMs }, id));
}

export function errorMessage(error: ChartLiveError, id?: RequestId): string {
  return JSON.stringify(withId({ type: 'error', message: error.message, code: error.code }, id));
}
