import type { StreamId, StreamPosition } from '@mdg/bus';
import type { AdmissionTicket, AdmittedSession, InboundRateLimiter } from '@mdg/edge';
import type { WebSocket } from 'uWebSockets.js';
import type { ChartLiveError } from '@mdg/protocol';
import type { ChartStream } from './chart-stream';
import type { CloseCode } from '@mdg/protocol';

/** The upgrade decision: admitted (a ticket for the session layer), or refused with what the client is told on open. */
export type ChartLiveAdmission =
  | { readonly ok: true; readonly ticket: AdmissionTicket }
  | {
      readonly ok: false;
      /** Sent right after open, before the close (PROTOCOL.md: error, then close). */
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
  /** Set on open once the session layer has indexed the connection; undefined for a refused one. */
  admitted: AdmittedSession | undefined;
  readonly subscriptions = new Map<StreamId, ChartStream<ChartLiveSession>>();
  /** Clock ms when the client was found slow (live updates stopped); undefined while live. */
  slowSince: number | undefined;
  /** While slow: per subscribed stream, the last position the client was sent (undefined: none yet). */
  readonly cursors = new Map<StreamId, StreamPosition | undefined>();

  constructor(
    readonly admission: ChartLiveAdmission,
    readonly limiter: InboundRateLimiter,
  ) {}
}
