import type { BusStatsReading } from './stats-readings';
import { tracked, type PushSample, type SampledMetric, type ScrapeReadings } from './sampled-metric';

/** A Redis bus counter; the in-memory bus keeps none and reads 0. */
function busCounter(name: string, help: string, field: keyof BusStatsReading, type: 'counter' | 'gauge' = 'counter'): SampledMetric {
  return { type, name, help, sources: ['bus'], samples: (readings, push) => push(readings.sources.bus?.stats?.[field] ?? 0) };
}

function redisConnectionErrors(readings: ScrapeReadings, push: PushSample): void {
  const { sources } = readings;
  if (tracked(sources, 'registry')) push(sources.registry?.connectionErrors ?? 0, { client: 'registry' });
  if (tracked(sources, 'keyStore')) push(sources.keyStore?.connectionErrors ?? 0, { client: 'keys' });
}

/** The hub (fan-in per edge), the market bus and the other Redis clients. */
export const INFRASTRUCTURE_METRICS: readonly SampledMetric[] = [
  {
    type: 'gauge',
    name: 'mdg_hub_streams',
    help: 'Streams this edge receives from the bus now (streams with local subscribers).',
    sources: ['hub'],
    samples: (readings, push) => push(readings.sources.hub?.streams ?? 0),
  },
  {
    type: 'counter',
    name: 'mdg_stream_gaps_total',
    help: 'Gaps detected on received streams (seq jump or new engine epoch): clients see a seq jump.',
    sources: ['hub'],
    samples: (readings, push) => push(readings.sources.hub?.gaps ?? 0),
  },
  {
    type: 'counter',
    name: 'mdg_stale_envelopes_total',
    help: 'Envelopes the hub ignored: duplicates, or from a deposed engine epoch (fencing).',
    sources: ['hub'],
    samples: (readings, push) => push(readings.sources.hub?.stale ?? 0),
  },
  {
    type: 'gauge',
    name: 'mdg_hub_last_receive_timestamp_seconds',
    help: 'Unix time of the last envelope this edge received from the bus (the time metrics started until the first one).',
    sources: ['hub'],
    samples: (readings, push) => push(readings.hubLastReceivedAtMs / 1000),
  },
  {
    type: 'gauge',
    name: 'mdg_bus_connected',
    help: '1 while the market bus is connected (Redis: both connections up and every channel subscribed), else 0. The in-memory bus is always 1.',
    sources: ['bus'],
    samples: (readings, push) => push(readings.sources.bus?.connected ? 1 : 0),
  },
  busCounter('mdg_bus_disconnects_total', 'Times the Redis bus went from connected to disconnected.', 'disconnects'),
  busCounter('mdg_bus_published_total', 'Envelopes stored and sent through Redis.', 'published'),
  busCounter('mdg_bus_fenced_total', 'Envelopes Redis refused by the snapshot fence (a deposed engine epoch, or an old seq).', 'fenced'),
  busCounter('mdg_bus_conflated_total', 'Envelopes superseded by a newer one of their stream while Redis was unreachable (never sent).', 'conflated'),
  busCounter('mdg_bus_dropped_total', 'Envelopes discarded: drop policy while disconnected, conflation buffer full, or unsent at close.', 'dropped'),
  busCounter(
    'mdg_bus_finals_dropped_total',
    'Final candles discarded while Redis was unreachable because the bound of pending finals was reached.',
    'finalsDropped',
  ),
  busCounter('mdg_bus_publish_failures_total', 'Publish commands that failed while connected.', 'failed'),
  busCounter('mdg_bus_received_total', 'Messages received from Redis for local subscribers (before the fan-out).', 'received'),
  busCounter('mdg_bus_decode_errors_total', 'Messages from Redis that could not be decoded.', 'decodeErrors'),
  busCounter('mdg_bus_handler_errors_total', 'Local subscriber callbacks that threw.', 'handlerErrors'),
  busCounter('mdg_bus_pending_streams', 'Streams waiting in the conflation buffer for Redis to come back.', 'pending', 'gauge'),
  busCounter('mdg_bus_channels', 'Redis channels subscribed now (streams with at least one local handler).', 'channels', 'gauge'),
  {
    type: 'counter',
    name: 'mdg_redis_connection_errors_total',
    help: 'Redis connection errors seen, by client (registry, keys); every failed reconnection attempt counts.',
    labelNames: ['client'],
    sources: ['registry', 'keyStore'],
    samples: redisConnectionErrors,
  },
  {
    type: 'gauge',
    name: 'mdg_connection_leases_held',
    help: 'Connection-slot leases this node holds and renews (one per client connection).',
    sources: ['registry'],
    samples: (readings, push) => push(readings.sources.registry?.held ?? 0),
  },
  {
    type: 'counter',
    name: 'mdg_connection_leases_lost_total',
    help: 'Connection leases that expired before they could be renewed (their connections are closed).',
    sources: ['registry'],
    samples: (readings, push) => push(readings.sources.registry?.lost ?? 0),
  },
  {
    type: 'counter',
    name: 'mdg_connection_leases_readmitted_total',
    help: 'Connection leases found gone at renewal (Redis restarted empty) and taken back.',
    sources: ['registry'],
    samples: (readings, push) => push(readings.sources.registry?.readmitted ?? 0),
  },
  {
    type: 'counter',
    name: 'mdg_connection_lease_renewal_failures_total',
    help: 'Lease renewal rounds that failed (Redis unreachable); leases are kept and renewed once it answers.',
    sources: ['registry'],
    samples: (readings, push) => push(readings.sources.registry?.renewalFailures ?? 0),
  },
];
