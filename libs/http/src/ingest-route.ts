import type { TemplatedApp } from 'uWebSockets.js';
import { authenticateApiKey, type AccessVerdict, type KeyStore } from '@mdg/auth';
import { IngestValidator, parseTradeBatch, validateTradeBatch, type AutoTrackPolicy, type TradeBatchError, type TradeBatchFormat } from '@mdg/ingest';
import { InvalidConfigError, systemClock, type Clock, type ErrorCode, type InstrumentRegistry, type Trade } from '@mdg/model';
import type { TokenRegistry } from '@mdg/tokens';
import { readRequestBody } from './read-request-body';

export interface IngestRouteOptions {
  /** Keys are checked against it; the key must carry `scope`. */
  keyStore: KeyStore;
  /**
   * Receives the valid trades of one request, in request order. Resolve once they are applied
   * (embedded: engine.accept each, deduplicated) or durably queued (Redis mode: xaddTrades).
   * A rejection answers 503 and the request reports nothing accepted (the client retries; the
   * consumer's dedup makes the retry harmless).
   */
  onTrades(trades: Trade[]): Promise<void> | void;
  /** Trades are validated against it (IngestValidator). */
  registry: InstrumentRegistry;
  /** "Now" for the trade-time check. Default systemClock. */
  clock?: Clock;
  /** Largest accepted body. Default 1 MiB (about 5000 trades). */
  maxBodyBytes?: number;
  /** Track unknown tokens on their first valid trade. Default off. */
  autoTrack?: AutoTrackPolicy;
  /** Where auto-tracked tokens are recorded for every node. */
  tokens?: TokenRegistry;
  /** The scope an API key needs. Default `ingest`. */
  scope?: string;
  /** Default `/ingest/trades`. */
  path?: string;
  /** Server-side failures (onTrades, the key store, the token store), for logs. Default: a process warning. */
  onError?(error: Error): void;
}

export interface IngestRouteStats {
  /** Requests that reached validation (authenticated, well-formed). */
  batches: number;
  /** Trades handed to onTrades and confirmed. */
  accepted: number;
  /** Items refused with a per-line error. */
  rejected: number;
  /** Requests refused as a whole, by HTTP status. */
  refused: Record<number, number>;
}

export interface IngestRoute {
  stats(): IngestRouteStats;
}

/** The 200 body: how many trades were accepted, and why each refused line was refused. */
export interface IngestResponse {
  accepted: number;
  rejected: TradeBatchError[];
}

const JSON_TYPE = 'application/json; charset=utf-8';
const FORMATS: Readonly<Record<string, TradeBatchFormat>> = {
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
  'application/json': 'json-array',
};
const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: '200 OK',
  400: '400 Bad Request',
  401: '401 Unauthorized',
  403: '403 Forbidden',
  413: '413 Payload Too Large',
  415: '415 Unsupported Media Type',
  503: '503 Service Unavailable',
};

/**
 * `POST /ingest/trades`: token trades from indexers, one request a batch.
 *
 * - Auth: header `x-api-key` with a key whose record has the `ingest` scope. Missing, unknown
 *   or revoked → 401 AUTH_FAILED; valid without the scope → 403 INGEST_FORBIDDEN.
 * - Body: `application/x-ndjson` (one Trade JSON per line; also `application/ndjson`,
 *   `application/jsonl`) or `application/json` (an array of Trades); anything else → 415
 *   UNSUPPORTED_MEDIA_TYPE. Larger than maxBodyBytes (declared or streamed) → 413
 *   MESSAGE_TOO_LARGE, the connection is closed. Not UTF-8, a broken JSON array, an empty
 *   batch → 400.
 * - Each trade is validated on its own: 200 `{"accepted": n, "rejected": [{"line", "error", "code"}]}`
 *   with `line` the 1-based NDJSON line (or array position). Codes: INVALID_JSON, INVALID_TRADE,
 *   TOKEN_NOT_TRACKED ("Token not found or not tracked: <mint>"), UNKNOWN_INSTRUMENT.
 * - onTrades failing → 503 SERVICE_UNAVAILABLE, nothing accepted.
 * Whole-request errors are `{"error": message, "code": CODE}`.
 */
export function registerIngestRoute(app: TemplatedApp, options: IngestRouteOptions): IngestRoute {
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1)
    throw new InvalidConfigError([`ingest route: maxBodyBytes must be a positive integer, got ${maxBodyBytes}`]);
  const scope = options.scope ?? 'ingest';
  const onError = options.onError?.bind(options) ?? ((error: Error) => process.emitWarning(error.message, { type: error.name }));
  const validator = new IngestValidator({
    registry: options.registry,
    clock: options.clock ?? systemClock,
    autoTrack: options.autoTrack,
    tokens: options.tokens,
    onError,
  });
  const counters: IngestRouteStats = { batches: 0, accepted: 0, rejected: 0, refused: {} };
  const decoder = new TextDecoder('utf-8', { fatal: true });

  app.post(options.path ?? '/ingest/trades', (res, req) => {
    // uWS frees `req` when this handler returns: everything needed is read now.
    const apiKey = req.getHeader('x-api-key');
    const mediaType = req.getHeader('content-type').split(';')[0]!.trim().toLowerCase();
    const declaredLength = req.getHeader('content-length');
    let done = false;
    const finish = (status: number, body: unknown, close = false): void => {
      if (done) return;
      done = true;
      if (status !== 200) counters.refused[status] = (counters.refused[status] ?? 0) + 1;
      res.cork(() => {
        res
          .writeStatus(STATUS_TEXT[status] ?? `${status}`)
          .writeHeader('content-type', JSON_TYPE)
          .writeHeader('cache-control', 'no-store')
          .end(JSON.stringify(body), close);
      });
    };
    const refuse = (status: number, code: ErrorCode, error: string, close = false): void => finish(status, { error, code }, close);

    // Refusals decided from the headers close the connection: the unread body must not be parsed as a next request.
    if (apiKey === '') return refuse(401, 'AUTH_FAILED', 'Authentication failed: send an ingest API key in the x-api-key header', true);
    const format = FORMATS[mediaType];
    if (format === undefined)
      return refuse(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send application/x-ndjson (one trade per line) or application/json (an array of trades)', true);
    if (declaredLength !== '' && Number(declaredLength) > maxBodyBytes)
      return refuse(413, 'MESSAGE_TOO_LARGE', `The body exceeds ${maxBodyBytes} bytes; split the batch`, true);

    res.onAborted(() => {
      done = true;
    });
    let body: Buffer | undefined;
    let access: AccessVerdict | undefined;
    const proceed = (): void => {
      if (done || access === undefined) return;
      if (!access.ok) return refuse(401, 'AUTH_FAILED', 'Authentication failed', true);
      if (!access.record.scopes?.includes(scope)) return refuse(403, 'INGEST_FORBIDDEN', `This API key lacks the ${scope} scope`, true);
      if (body === undefined) return;
      void ingest(body);
    };
    const ingest = async (raw: Buffer): Promise<void> => {
      let text: string;
      try {
        text = decoder.decode(raw);
      } catch (error) {
        return refuse(400, 'INVALID_PAYLOAD', `The body is not UTF-8 text (${(error as Error).message})`);
      }
      const parsed = parseTradeBatch(text, format);
      if (!parsed.ok) return refuse(400, parsed.code, parsed.error);
      if (parsed.items.length + parsed.errors.length === 0) return refuse(400, 'INVALID_PAYLOAD', 'The batch is empty');
      counters.batches += 1;
      const { trades, rejected } = validateTradeBatch(parsed.items, validator);
      const errors: TradeBatchError[] = [...parsed.errors, ...rejected].sort((a, b) => a.line - b.line);
      counters.rejected += errors.length;
      if (trades.length > 0) {
        try {
          await options.onTrades(trades);
        } catch (error) {
          onError(error instanceof Error ? error : new Error(String(error)));
          return refuse(503, 'SERVICE_UNAVAILABLE', 'Service unavailable: the trades could not be stored; retry later');
        }
      }
      counters.accepted += trades.length;
      const response: IngestResponse = { accepted: trades.length, rejected: errors };
      finish(200, response);
    };

    readRequestBody(res, maxBodyBytes, {
      onBody: (received) => {
        body = received;
        proceed();
      },
      onTooLarge: () => refuse(413, 'MESSAGE_TOO_LARGE', `The body exceeds ${maxBodyBytes} bytes; split the batch`, true),
    });
    authenticateApiKey(options.keyStore, apiKey, { requirePro: false }).then(
      (verdict) => {
        access = verdict;
        proceed();
      },
      (error: unknown) => {
        onError(error instanceof Error ? error : new Error(String(error)));
        refuse(503, 'SERVICE_UNAVAILABLE', 'Service unavailable: the key store could not be reached; retry later');
      },
    );
  });

  return { stats: () => ({ ...counters, refused: { ...counters.refused } }) };
}
