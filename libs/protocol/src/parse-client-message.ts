import { historyProblem, sinceProblem } from './history-limits';
import { DEFAULT_TIMEFRAME, isTimeframe, type InstrumentRegistry, type Timeframe, type TokenInstrument } from '@mdg/model';
import { chartLiveErrors, type ChartLiveError, type RequestId } from './chart-live-messages';

/** What one client text frame asks for. */
export type ClientMessage =
  | {
      readonly kind: 'subscribe';
      readonly id?: RequestId;
      readonly token: TokenInstrument;
      readonly timeframe: Timeframe;
      /** Extension: the last N final candles before live ones (1..MAX_HISTORY). */
      readonly history?: number;
      /** Extension: the final candles after this unix-ms time before live ones (a reconnecting bot's last candle time). */
      readonly since?: number;
      /** Extension: quiet buckets get a flat final (previous close, zero volume), so the stream has no holes. */
      readonly flat?: boolean;
      /** Extension: only final candles (`candle.closed`), each exactly once, in order. */
      readonly closedOnly?: boolean;
    }
  | { readonly kind: 'unsubscribe'; readonly id?: RequestId; readonly token: TokenInstrument; readonly timeframe: Timeframe }
  | { readonly kind: 'ping'; readonly id?: RequestId }
  | { readonly kind: 'invalid'; readonly id?: RequestId; readonly error: ChartLiveError };

/** Longest accepted request id: it is echoed, so it must not let a client inflate our replies. */
export const MAX_REQUEST_ID_LENGTH = 128;

/**
 * Parses one client message (PROTOCOL.md section B). The base protocol has one message, the
 * subscription `{"tokenAddress":..,"timeframe"?:..}` with no `type`; the extensions add
 * `"type":"unsubscribe"` and `"type":"ping"` (and accept `"type":"subscribe"`), and the optional
 * subscription fields `"history": N` and `"since": ms`. Checks run in the order of the protocol's
 * error table, so a message with several faults gets the first: not a JSON object → no
 * tokenAddress → bad timeframe → untracked token → bad history/since (INVALID_HISTORY; `null`
 * counts as absent). Unknown fields are ignored, as a tolerant reader should.
 */
export function parseClientMessage(text: string, registry: InstrumentRegistry): ClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'invalid', error: chartLiveErrors.invalidJson() };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { kind: 'invalid', error: chartLiveErrors.invalidJson() };
  const body = value as Record<string, unknown>;

  const rawId = own(body, 'id');
  let id: RequestId | undefined;
  if (rawId !== undefined) {
    const valid = (typeof rawId === 'string' && rawId.length <= MAX_REQUEST_ID_LENGTH) || (typeof rawId === 'number' && Number.isFinite(rawId));
    // A bad id is not echoed (that is what is wrong with it), but the client is told.
    if (!valid)
      return {
        kind: 'invalid',
        error: chartLiveErrors.invalidPayload(`id must be a string of at most ${MAX_REQUEST_ID_LENGTH} characters or a finite number`),
      };
    id = rawId;
  }
  const echo = id === undefined ? {} : { id };

  const type = own(body, 'type');
  if (type === 'ping') return { kind: 'ping', ...echo };
  if (type !== undefined && type !== 'subscribe' && type !== 'unsubscribe') {
    const detail = typeof type === 'string' ? `unknown message type ${JSON.stringify(type.slice(0, 32))}` : 'type must be a string';
    return { kind: 'invalid', ...echo, error: chartLiveErrors.invalidPayload(`${detail} (expected "subscribe", "unsubscribe" or "ping")`) };
  }

  const tokenAddress = own(body, 'tokenAddress');
  if (typeof tokenAddress !== 'string' || tokenAddress === '') return { kind: 'invalid', ...echo, error: chartLiveErrors.missingToken() };

  const rawTimeframe = own(body, 'timeframe');
  // Strict: "60" (a string) is refused like 7 is, so a client learns its mistake at once.
  const timeframe = rawTimeframe === undefined ? DEFAULT_TIMEFRAME : rawTimeframe;
  if (!isTimeframe(timeframe)) return { kind: 'invalid', ...echo, error: chartLiveErrors.invalidTimeframe(rawTimeframe) };

  const token = registry.findToken(tokenAddress);
  if (token === undefined) return { kind: 'invalid', ...echo, error: chartLiveErrors.tokenNotTracked(tokenAddress) };

  if (type === 'unsubscribe') return { kind: 'unsubscribe', ...echo, token, timeframe };

  // Extension fields; some serializers write an absent value as null, so null means absent.
  const history = own(body, 'history') ?? undefined;
  const since = own(body, 'since') ?? undefined;
  const badHistory = history === undefined ? undefined : historyProblem(history);
  if (badHistory !== undefined) return { kind: 'invalid', ...echo, error: chartLiveErrors.invalidHistory('history', history, badHistory) };
  const badSince = since === undefined ? undefined : sinceProblem(since);
  if (badSince !== undefined) return { kind: 'invalid', ...echo, error: chartLiveErrors.invalidHistory('since', since, badSince) };
  const flat = own(body, 'flat') ?? undefined;
  if (flat !== undefined && typeof flat !== 'boolean') return { kind: 'invalid', ...echo, error: chartLiveErrors.invalidPayload('flat must be true or false') };
  const closedOnly = own(body, 'closedOnly') ?? undefined;
  if (closedOnly !== undefined && typeof closedOnly !== 'boolean')
    return { kind: 'invalid', ...echo, error: chartLiveErrors.invalidPayload('closedOnly must be true or false') };
  // Not yet served together (each keeps its own delivery path); refused rather than half-honoured.
  if (closedOnly === true && flat === true)
    return { kind: 'invalid', ...echo, error: chartLiveErrors.invalidPayload('closedOnly and flat cannot be combined in one subscription') };
  return {
    kind: 'subscribe',
    ...echo,
    token,
    timeframe,
    ...(history === undefined ? {} : { history: history as number }),
    ...(since === undefined ? {} : { since: since as number }),
    ...(flat === true ? { flat: true } : {}),
    ...(closedOnly === true ? { closedOnly: true } : {}),
  };
}

/** Own properties only: `{"__proto__":...}` or inherited names never count as fields. */
function own(body: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(body, key) ? body[key] : undefined;
}
