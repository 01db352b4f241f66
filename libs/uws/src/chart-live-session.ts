import type { ApiKeyRecord, ConnectionLease } from '@mdg/auth';
import type { StreamId, StreamPosition } from '@mdg/bus';
import type { InboundRateLimiter } from '@mdg/edge';
import type { WebSocket } from 'uWebSockets.js';
import type { ChartLiveError } from './chart-live-messages';
import type { ChartStream } from './chart-stream';
import type { CloseCode } from './close-codes';

/** Why an upgrade was let through only to be refused on open (PROTOCOL.md: error, then close). */
export type ChartLiveRefusalReason = 'AUTH_FAILED' | 'AUTH_RATE_LIMITED' | 'CONNECTION_LIMIT' | 'SERVICE_UNAVAILABLE';

/** The outcome of authentication and slot acquisition, decided before the upgrade. */
export type Admission =
  | { readonly ok: true; readonly record: ApiKeyRecord; readonly lease: ConnectionLease }
  | {
      readonly ok: false;
      readonly reason: ChartLiveRefusalReason;
      /** Sent right after open, before the close. */
      readonly error: ChartLiveError;
      readonly closeCode: CloseCode;
    };

/** What uWS keeps on each socket (it copies the fields onto the socket object). */
export interface ChartLiveUserData {
  session: ChartLiveSession;
}

/**
 * The state of one `/ws/chart-live` connection, from the upgrade decision to the close.
 * The endpoint owns all behaviour; this only holds what belongs to one client.
 */
export class ChartLiveSession {
  /** Set on open; never touched after `closed` (uWS throws on a closed socket). */
  ws: WebSocket<ChartLiveUserData> | undefined;
  closed = false;
  /** Close on open instead of serving: the key was revoked while its admission was in flight. */
  pendingClose: { code: CloseCode; error: ChartLiveError | undefined } | undefined;
  readonly subscriptions = new Map<StreamId, ChartStream<ChartLiveSession>>();
  /** Clock ms when the client was found slow (live updates stopped); undefined while live. */
  slowSince: number | undefined;
  /** While slow: per subscribed stream, the last position the client was sent (undefined: none yet). */
  readonly cursors = new Map<StreamId, StreamPosition | undefined>();

  constructor(
    readonly admission: Admission,
    readonly limiter: InboundRateLimiter,
  ) {}

  get keyHash(): string | undefined {
    return this.admission.ok ? this.admission.record.keyHash : undefined;
  }
}
