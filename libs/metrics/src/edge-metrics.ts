import type { ServerCloseReason } from '@mdg/edge';
import type { ChartLiveErrorCode, RefusalCode } from '@mdg/protocol';
import type { ChartLiveEvent, ChartLiveStatsReading, SocketIoEvent, SocketIoStatsReading } from './stats-readings';
import { tracked, type MetricLabel, type PushSample, type SampledMetric, type ScrapeReadings } from './sampled-metric';

/*
 * Label values are fixed here, per component type: the Record types make the compiler list
 * every code a component can report, and anything else a stats record might hold is ignored,
 * so no label can grow without bound.
 */

/** Both protocols refuse connections with the edge session layer's codes. */
const REFUSALS: Readonly<Record<RefusalCode, string>> = {
  AUTH_FAILED: 'auth_failed',
  AUTH_RATE_LIMITED: 'auth_rate_limited',
  PRO_REQUIRED: 'pro_required',
  CONNECTION_LIMIT: 'connection_limit',
  SERVICE_UNAVAILABLE: 'service_unavailable',
};

/** Error messages about a client's own messages (refusal errors are counted as refusals). */
const CHART_LIVE_CLIENT_ERRORS: Readonly<Record<Exclude<ChartLiveErrorCode, RefusalCode>, string>> = {
  INVALID_JSON: 'invalid_json',
  MISSING_TOKEN: 'missing_token',
  INVALID_TIMEFRAME: 'invalid_timeframe',
  TOKEN_NOT_TRACKED: 'token_not_tracked',
  INVALID_PAYLOAD: 'invalid_payload',
  RATE_LIMITED: 'rate_limited',
  TOO_MANY_SUBSCRIPTIONS: 'too_many_subscriptions',
  MESSAGE_TOO_LARGE: 'message_too_large',
  INVALID_HISTORY: 'invalid_history',
  HISTORY_GAP: 'history_gap',
};

/** Server closes by meaning, the same words on both protocols (the edge session layer's reasons). */
const CLOSES: Readonly<Record<ServerCloseReason, string>> = {
  shutdown: 'shutdown',
  try_again_later: 'try_again_later',
  slow_consumer: 'slow_consumer',
  auth_failed: 'auth_failed',
  limit_exceeded: 'limit_exceeded',
};

const SOCKET_IO_EVENTS: Readonly<Record<SocketIoEvent, string>> = { 'initial-prices': 'initial-prices', 'price-update': 'price-update' };
const CHART_LIVE_EVENTS: Readonly<Record<ChartLiveEvent, string>> = { chart: 'chart', control: 'control' };

/** Every label value of `names` with its value in `values` (0 when absent); values mapping to one label add up. */
function byLabel<K extends string | number>(names: Readonly<Record<K, string>>, values: Partial<Record<K, number>> | undefined): Record<string, number> {
  const result: Record<string, number> = {};
  for (const key of Object.keys(names) as K[]) {
    const label = names[key];
    result[label] = (result[label] ?? 0) + (values?.[key] ?? 0);
  }
  return result;
}

interface ProtocolReaders<T> {
  socketio?: (stats: SocketIoStatsReading | undefined) => T;
  chartLive?: (stats: ChartLiveStatsReading | undefined) => T;
}

/** One series per tracked protocol (a tracked but inactive component reads through `undefined`). */
function perProtocol(readings: ScrapeReadings, push: PushSample, read: ProtocolReaders<number>): void {
  const { sources } = readings;
  if (read.socketio && tracked(sources, 'socketio')) push(read.socketio(sources.socketio), { protocol: 'socketio' });
  if (read.chartLive && tracked(sources, 'chartLive')) push(read.chartLive(sources.chartLive), { protocol: 'chart-live' });
}

/** One series per tracked protocol and value of `label`. */
function perProtocolBy(readings: ScrapeReadings, push: PushSample, label: MetricLabel, read: ProtocolReaders<Record<string, number>>): void {
  const { sources } = readings;
  const each = (protocol: string, values: Record<string, number>): void => {
    for (const [value, count] of Object.entries(values)) push(count, { protocol, [label]: value });
  };
  if (read.socketio && tracked(sources, 'socketio')) each('socketio', read.socketio(sources.socketio));
  if (read.chartLive && tracked(sources, 'chartLive')) each('chart-live', read.chartLive(sources.chartLive));
}

function sum(values: Record<string, number>): number {
  let total = 0;
  for (const value of Object.values(values)) total += value;
  return total;
}

const PROTOCOL_SOURCES = ['socketio', 'chartLive'] as const;

/** The two client protocols an edge serves: connections, traffic, refusals and slow consumers. */
export const EDGE_METRICS: readonly SampledMetric[] = [
  {
    type: 'gauge',
    name: 'mdg_connections',
    help: 'Authenticated client connections open now.',
    labelNames: ['protocol'],
    sources: PROTOCOL_SOURCES,
    samples: (readings, push) => perProtocol(readings, push, { socketio: (s) => s?.connections ?? 0, chartLive: (s) => s?.connections ?? 0 }),
  },
  {
    type: 'counter',
    name: 'mdg_connection_attempts_total',
    help: 'Connection attempts that reached a decision: accepted plus refused.',
    labelNames: ['protocol'],
    sources: PROTOCOL_SOURCES,
    samples: (readings, push) =>
      perProtocol(readings, push, {
        socketio: (s) => (s?.connectionsOpened ?? 0) + sum(byLabel(REFUSALS, s?.connectionsRefused)),
        chartLive: (s) => (s?.connectionsOpened ?? 0) + sum(byLabel(REFUSALS, s?.connectionsRefused)),
      }),
  },
  {
    type: 'counter',
    name: 'mdg_connections_accepted_total',
    help: 'Connections admitted (authenticated, under the per-user limit).',
    labelNames: ['protocol'],
    sources: PROTOCOL_SOURCES,
    samples: (readings, push) => perProtocol(readings, push, { socketio: (s) => s?.connectionsOpened ?? 0, chartLive: (s) => s?.connectionsOpened ?? 0 }),
  },
  {
    type: 'counter',
    name: 'mdg_connections_refused_total',
    help: 'Connections refused, by reason (auth_failed, auth_rate_limited, pro_required, connection_limit, service_unavailable).',
    labelNames: ['protocol', 'reason'],
    sources: PROTOCOL_SOURCES,
    samples: (readings, push) =>
      perProtocolBy(readings, push, 'reason', {
        socketio: (s) => byLabel(REFUSALS, s?.connectionsRefused),
        chartLive: (s) => byLabel(REFUSALS, s?.connectionsRefused),
      }),
  },
  {
    type: 'gauge',
    name: 'mdg_subscriptions',
    help: 'Subscriptions now: (connection, symbol) pairs on /api-ws (a connection that never subscribed counts all 20), (connection, token x timeframe) pairs on /ws/chart-live.',
    labelNames: ['protocol'],
    sources: PROTOCOL_SOURCES,
    samples: (readings, push) => perProtocol(readings, push, { socketio: (s) => s?.subscriptions ?? 0, chartLive: (s) => s?.subscriptions ?? 0 }),
  },
  {
    type: 'counter',
    name: 'mdg_messages_sent_total',
    help: 'Messages handed to client sockets, by event (a broadcast counts once per recipient).',
    labelNames: ['protocol', 'event'],
    sources: PROTOCOL_SOURCES,
    samples: (readings, push) =>
      perProtocolBy(readings, push, 'event', {
        socketio: (s) =>
          byLabel(SOCKET_IO_EVENTS, s && { 'initial-prices': s.sent['initial-prices'].messages, 'price-update': s.sent['price-update'].messages }),
        chartLive: (s) => byLabel(CHART_LIVE_EVENTS, s && { chart: s.sent.chart.messages, control: s.sent.control.messages }),
      }),
  },
  {
    type: 'counter',
    name: 'mdg_sent_bytes_total',
    help: 'Bytes handed to client sockets (WebSocket frame payloads), by event.',
    labelNames: ['protocol', 'event'],
    sources: PROTOCOL_SOURCES,
    samples: (readings, push) =>
      perProtocolBy(readings, push, 'event', {
        socketio: (s) => byLabel(SOCKET_IO_EVENTS, s && { 'initial-prices': s.sent['initial-prices'].bytes, 'price-update': s.sent['price-update'].bytes }),
        chartLive: (s) => byLabel(CHART_LIVE_EVENTS, s && { chart: s.sent.chart.bytes, control: s.sent.control.bytes }),
      }),
  },
  {
    type: 'counter',
    name: 'mdg_client_errors_total',
    help: 'Client messages answered with an error (bad payload, unknown symbol or token, rate limited, ...), by reason.',
    labelNames: ['protocol', 'reason'],
    sources: PROTOCOL_SOURCES,
    samples: (readings, push) =>
      perProtocolBy(readings, push, 'reason', {
        socketio: (s) => ({ invalid_payload: s?.badPayloads ?? 0, unknown_symbol: s?.unknownSymbols ?? 0, rate_limited: s?.rateLimited ?? 0 }),
        chartLive: (s) => byLabel(CHART_LIVE_CLIENT_ERRORS, s?.errors),
      }),
  },
  {
    type: 'counter',
    name: 'mdg_server_closes_total',
    help: 'Connections the server closed, by reason (slow_consumer, limit_exceeded, try_again_later, auth_failed, shutdown).',
    labelNames: ['protocol', 'reason'],
    sources: PROTOCOL_SOURCES,
    samples: (readings, push) =>
      perProtocolBy(readings, push, 'reason', {
        socketio: (s) => byLabel(CLOSES, s?.connectionsClosed),
        chartLive: (s) => byLabel(CLOSES, s?.connectionsClosed),
      }),
  },
  {
    type: 'counter',
    name: 'mdg_slow_client_closes_total',
    help: 'Connections closed because they could not keep up (send buffer over its limit, or slow for too long).',
    labelNames: ['protocol'],
    sources: PROTOCOL_SOURCES,
    samples: (readings, push) =>
      perProtocol(readings, push, { socketio: (s) => s?.connectionsClosed.slow_consumer ?? 0, chartLive: (s) => s?.connectionsClosed.slow_consumer ?? 0 }),
  },
  {
    type: 'gauge',
    name: 'mdg_slow_clients',
    help: 'Connections currently too slow for live updates (their updates are being conflated).',
    labelNames: ['protocol'],
    sources: ['chartLive'],
    samples: (readings, push) => perProtocol(readings, push, { chartLive: (s) => s?.slowClients ?? 0 }),
  },
  {
    type: 'counter',
    name: 'mdg_conflated_updates_total',
    help: 'Updates a slow client never saw one by one: merged into a newer candle of the same bucket.',
    labelNames: ['protocol'],
    sources: ['chartLive'],
    samples: (readings, push) => perProtocol(readings, push, { chartLive: (s) => s?.conflatedUpdates ?? 0 }),
  },
  {
    type: 'counter',
    name: 'mdg_slow_client_resyncs_total',
    help: 'Slow clients brought up to date again (catch-up sent, live updates resumed).',
    labelNames: ['protocol'],
    sources: ['chartLive'],
    samples: (readings, push) => perProtocol(readings, push, { chartLive: (s) => s?.resyncs ?? 0 }),
  },
  {
    type: 'counter',
    name: 'mdg_incomplete_catch_ups_total',
    help: 'Slow-client catch-ups that could not reach back to the client position (the client sees a seq jump).',
    labelNames: ['protocol'],
    sources: ['chartLive'],
    samples: (readings, push) => perProtocol(readings, push, { chartLive: (s) => s?.incompleteCatchUps ?? 0 }),
  },
  {
    type: 'counter',
    name: 'mdg_dropped_envelopes_total',
    help: 'Bus envelopes an adapter discarded: not a valid update, or older than what it already sent.',
    labelNames: ['protocol'],
    sources: PROTOCOL_SOURCES,
    samples: (readings, push) => perProtocol(readings, push, { socketio: (s) => s?.droppedEnvelopes ?? 0, chartLive: (s) => s?.droppedEnvelopes ?? 0 }),
  },
  {
    type: 'gauge',
    name: 'mdg_send_buffer_largest_bytes',
    help: 'The largest per-connection send buffer at the last slow-client check.',
    labelNames: ['protocol'],
    sources: ['socketio'],
    samples: (readings, push) => perProtocol(readings, push, { socketio: (s) => s?.largestBufferedBytes ?? 0 }),
  },
  {
    type: 'gauge',
    name: 'mdg_socketio_engine_connections',
    help: 'Engine.IO connections now, authenticated or not (handshaking, in the auth middleware, refused and closing).',
    sources: ['socketio'],
    samples: (readings, push) => push(readings.sources.socketio?.engineConnections ?? 0),
  },
  {
    // SREs (and the benchmark) see that price broadcasts stay on the one-app.publish fast path.
    type: 'counter',
    name: 'mdg_socketio_broadcasts_total',
    help: 'Socket.IO broadcasts by path: fast (one uWS app.publish for every WebSocket member) or slow (one send per socket).',
    labelNames: ['path'],
    sources: ['socketio'],
    samples: (readings, push) => {
      const stats = readings.sources.socketio;
      push(stats?.fastPathBroadcasts ?? 0, { path: 'fast' });
      push(stats?.slowPathBroadcasts ?? 0, { path: 'slow' });
    },
  },
];
