import type { FeedState } from '@mdg/feeds';
import { isErrorCode, TIMEFRAMES } from '@mdg/model';
import type { SampledMetric } from './sampled-metric';

const FEED_STATES: Readonly<Record<FeedState, true>> = { idle: true, live: true, stale: true, stopped: true };

/** Reasons a trade is rejected by validation; always present (0 until it happens). Other registered error codes may appear too. */
const REJECTION_REASONS = ['invalid_trade', 'unknown_instrument'] as const;

/** The engine role: trades in, engine outcomes, publications, feed and ownership. */
export const ENGINE_METRICS: readonly SampledMetric[] = [
  {
    type: 'counter',
    name: 'mdg_engine_trades_processed_total',
    help: 'Trades accepted by validation and applied to the ticker and candle engines.',
    sources: ['engine'],
    samples: (readings, push) => push(readings.sources.engine?.processed ?? 0),
  },
  {
    type: 'counter',
    name: 'mdg_engine_trades_rejected_total',
    help: 'Trades the engine refused at validation, by reason (error code).',
    labelNames: ['reason'],
    sources: ['engine'],
    samples: (readings, push) => {
      const rejected = readings.sources.engine?.rejected ?? {};
      for (const reason of REJECTION_REASONS) push(rejected[reason.toUpperCase()] ?? 0, { reason });
      // Only registered codes become labels: the set stays fixed whatever a stats record holds.
      for (const [code, count] of Object.entries(rejected)) {
        const reason = code.toLowerCase();
        if (isErrorCode(code) && !(REJECTION_REASONS as readonly string[]).includes(reason)) push(count, { reason });
      }
    },
  },
  {
    type: 'counter',
    name: 'mdg_ticker_late_trades_total',
    help: 'Trades older than the ticker 24 h window (not applied to it).',
    sources: ['engine'],
    samples: (readings, push) => push(readings.sources.engine?.tickerLate ?? 0),
  },
  {
    type: 'counter',
    name: 'mdg_candle_late_trades_total',
    help: 'Trades dropped for one timeframe because their bucket was already final or past its grace period, by timeframe (seconds).',
    labelNames: ['timeframe'],
    sources: ['engine'],
    samples: (readings, push) => {
      const late = readings.sources.engine?.candleLateByTimeframe ?? {};
      for (const timeframe of TIMEFRAMES) push(late[timeframe] ?? 0, { timeframe: String(timeframe) });
    },
  },
  {
    type: 'counter',
    name: 'mdg_candles_finalized_total',
    help: 'Final (closed) candles emitted.',
    sources: ['engine'],
    samples: (readings, push) => push(readings.sources.engine?.candlesFinalized ?? 0),
  },
  {
    type: 'counter',
    name: 'mdg_pipeline_trades_total',
    help: 'Trades the engine pipeline received from its feed.',
    sources: ['pipeline'],
    samples: (readings, push) => push(readings.sources.pipeline?.tradesIn ?? 0),
  },
  {
    type: 'counter',
    name: 'mdg_prices_published_total',
    help: 'Price updates the engine published on the bus (coalesced: at most one per symbol and interval).',
    sources: ['pipeline'],
    samples: (readings, push) => push(readings.sources.pipeline?.pricesPublished ?? 0),
  },
  {
    type: 'counter',
    name: 'mdg_candles_published_total',
    help: 'Candle updates the engine published on the bus (coalesced per interval; finals always).',
    sources: ['pipeline'],
    samples: (readings, push) => push(readings.sources.pipeline?.candlesPublished ?? 0),
  },
  {
    type: 'counter',
    name: 'mdg_feed_errors_total',
    help: 'Errors the feed reported (rejected inputs, connection failures).',
    sources: ['pipeline'],
    samples: (readings, push) => push(readings.sources.pipeline?.feedErrors ?? 0),
  },
  {
    type: 'gauge',
    name: 'mdg_feed_state',
    help: 'State of the active engine feed: 1 for the current state (idle, live, stale, stopped), 0 for the others; all 0 on a standby.',
    labelNames: ['state'],
    sources: ['feed'],
    samples: (readings, push) => {
      const current = readings.sources.feed?.state;
      for (const state of Object.keys(FEED_STATES)) push(state === current ? 1 : 0, { state });
    },
  },
  {
    type: 'counter',
    name: 'mdg_feed_trades_total',
    help: 'Trades the feed emitted.',
    sources: ['feed'],
    samples: (readings, push) => push(readings.sources.feed?.stats?.emitted ?? 0),
  },
  {
    type: 'counter',
    name: 'mdg_feed_rejected_total',
    help: 'Feed inputs rejected at the boundary (malformed or invalid trades).',
    sources: ['feed'],
    samples: (readings, push) => push(readings.sources.feed?.stats?.rejected ?? 0),
  },
  {
    type: 'counter',
    name: 'mdg_feed_reconnects_total',
    help: 'Exchange connections opened to replace a lost one (every backoff retry counts).',
    sources: ['feed'],
    samples: (readings, push) => push(readings.sources.feed?.stats?.reconnects ?? 0),
  },
  {
    type: 'counter',
    name: 'mdg_feed_stale_reconnects_total',
    help: 'Exchange connections cut by the watchdog for silence.',
    sources: ['feed'],
    samples: (readings, push) => push(readings.sources.feed?.stats?.staleReconnects ?? 0),
  },
  {
    type: 'counter',
    name: 'mdg_feed_duplicates_total',
    help: 'Trades received twice (overlapping connections or sources) and applied once.',
    sources: ['feed'],
    samples: (readings, push) => push(readings.sources.feed?.stats?.duplicates ?? 0),
  },
  {
    type: 'counter',
    name: 'mdg_feed_switches_total',
    help: 'Failover switches between trade sources.',
    sources: ['feed'],
    samples: (readings, push) => push(readings.sources.feed?.stats?.switches ?? 0),
  },
  {
    type: 'gauge',
    name: 'mdg_feed_open_connections',
    help: 'Exchange WebSocket connections open now (2 during a rotation).',
    sources: ['feed'],
    samples: (readings, push) => push(readings.sources.feed?.stats?.openConnections ?? 0),
  },
  {
    type: 'gauge',
    name: 'mdg_engine_lease_owner',
    help: '1 while this node is the active engine (holds the engine lease), 0 on a standby.',
    sources: ['engineOwnership'],
    samples: (readings, push) => push(readings.sources.engineOwnership?.owner ? 1 : 0),
  },
  {
    type: 'gauge',
    name: 'mdg_engine_epoch',
    help: 'Fencing epoch this node publishes with while it is the active engine (0 on a standby); it rises at every takeover.',
    sources: ['engineOwnership'],
    samples: (readings, push) => {
      const ownership = readings.sources.engineOwnership;
      push(ownership?.owner ? (ownership.epoch ?? 0) : 0);
    },
  },
  {
    type: 'counter',
    name: 'mdg_engine_takeovers_total',
    help: 'Times this node became the active engine.',
    sources: ['engineOwnership'],
    samples: (readings, push) => push(readings.sources.engineOwnership?.takeovers ?? 0),
  },
];
