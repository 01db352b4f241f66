import type { RefusalCode } from './refusal';

/**
 * Why the server closed an admitted connection, by meaning (each protocol has its own way of
 * saying it: a close code on `/ws/chart-live`, a disconnect kind on `/api-ws`):
 * - `auth_failed`: the key was revoked, or its plan no longer entitles it (do not retry with it);
 * - `try_again_later`: its connection slot lease was lost (reconnect, with backoff);
 * - `limit_exceeded`: it flooded inbound messages (retry after a pause);
 * - `slow_consumer`: it could not keep up (reconnect);
 * - `shutdown`: the endpoint is closing (reconnect, to another node).
 */
export type ServerCloseReason = 'auth_failed' | 'try_again_later' | 'limit_exceeded' | 'slow_consumer' | 'shutdown';

export const SERVER_CLOSE_REASONS: readonly ServerCloseReason[] = Object.freeze([
  'auth_failed',
  'try_again_later',
  'limit_exceeded',
  'slow_consumer',
  'shutdown',
]);

/** The connection counters every edge endpoint reports under the same names. */
export interface EdgeConnectionStats {
  /** Gauge: admitted connections open now. */
  connections: number;
  /** Gauge: admissions in flight (key check, slot lease), not yet opened or refused. */
  pendingAdmissions: number;
  /** Connections admitted and opened. */
  connectionsOpened: number;
  /** Connections refused, by the code the client was given. */
  connectionsRefused: Record<RefusalCode, number>;
  /** Admitted connections the server closed, by reason. */
  connectionsClosed: Record<ServerCloseReason, number>;
}

export function emptyCloseCounts(): Record<ServerCloseReason, number> {
  return { auth_failed: 0, try_again_later: 0, limit_exceeded: 0, slow_consumer: 0, shutdown: 0 };
}
