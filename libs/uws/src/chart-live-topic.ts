import type { StreamId } from '@mdg/bus';

/**
 * Prefix of every `/ws/chart-live` uWS topic. Socket.IO, attached to the same app, names its
 * topics `<namespace>\x1f<room>` (namespaces start with '/'); a record separator after a name
 * that is not a namespace can never collide with those, and stream ids use only [A-Za-z0-9.:].
 */
export const CHART_LIVE_TOPIC_PREFIX = 'chart-live\x1e';

/** The uWS topic the subscribers of one stream are on. */
export function chartLiveTopic(stream: StreamId): string {
  return `${CHART_LIVE_TOPIC_PREFIX}${stream}`;
}

/**
 * A topic every connection joins for its whole life and nothing is ever published on. uWS
 * (v20.30) frees a socket's subscriber state when it leaves its last topic, and with it the
 * published messages not yet written to that socket: a slow client taken off its only stream
 * would silently lose up to 31 updates. Holding this anchor means leaving a stream is never
 * leaving the last topic (uws-topic-behaviour.spec.ts pins the uWS behaviour).
 */
export const CHART_LIVE_ANCHOR_TOPIC = `${CHART_LIVE_TOPIC_PREFIX}anchor`;
