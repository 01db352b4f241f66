import { hostname } from 'node:os';
import { InvalidConfigError, WRAPPED_SOL_MINT } from '@mdg/model';
import type { Env } from './env';
import { EnvReader } from './env-reader';
import { readCandleGrace, type CandleGraceSettings } from './candle-grace';
import { readStoreSettings, type StoreSettings } from './store-settings';
import { unknownSettingWarnings } from './unknown-setting-warnings';

export type Role = 'engine' | 'edge' | 'worker';
export const ROLES: readonly Role[] = ['engine', 'edge', 'worker'];

/** Where trades come from (MDG_FEED). */
export type FeedSpec =
  { kind: 'none' } | { kind: 'simulator' } | { kind: 'venues'; venues: ('binance' | 'coinbase')[] } | { kind: 'replay'; path: string; speed: number };

/** Everything the gateway process reads from its environment, validated once and frozen. */
export interface GatewayConfig extends StoreSettings {
  /** Which roles this process runs; the embedded default runs both. */
  readonly roles: ReadonlySet<Role>;
  /** Names this process in leases and logs. */
  readonly nodeId: string;
  readonly feed: FeedSpec;
  /** MDG_FEED includes `ingest`: token trades pushed by indexers (HTTP POST /ingest/trades, Redis Stream). */
  readonly ingest: boolean;
  /** Track unknown tokens on their first ingested trade (quote token wrapped SOL). */
  readonly autoTrack: { readonly quoteToken: string; readonly decimals: number } | undefined;
  /** Venue endpoints (tests point them at loopback fakes). */
  readonly binanceUrl: string | undefined;
  readonly coinbaseUrl: string | undefined;
  /** How long an engine owner may go silent before a standby takes over. */
  readonly engineLeaseTtlMs: number;
  /** How long a dead edge's connection slots stay counted. */
  readonly connectionLeaseTtlMs: number;
  readonly port: number;
  readonly host: string;
  /** Create (and print) a demo Pro key and a demo free key at start. */
  readonly demoKeys: boolean;
  readonly simulator: { readonly seed: number; readonly tradesPerSecond: number };
  readonly priceIntervalMs: number;
  readonly candleIntervalMs: number;
  /** Per-feed candle grace; engines take it through candleGraceFor. */
  readonly candleGrace: CandleGraceSettings;
  readonly maxConnectionsPerUser: number;
  readonly chartLiveConnectionsPerPlan: number;
  /** Benchmarks only: add the engine's accepted/published times (`t`, `tp`) to every update. */
  readonly benchStamp: boolean;
  /** Seconds between status lines on stdout; 0 = quiet. */
  readonly statusIntervalSeconds: number;
  /** Unknown `MDG_*` variables (likely typos), one line each, for the process to print at start. */
  readonly warnings: readonly string[];
}

/** Reads and validates the configuration; throws InvalidConfigError listing every problem at once. */
export function loadGatewayConfig(env: Env): GatewayConfig {
  const read = new EnvReader(env);
  const roles = readRoles(read);
  const store = readStoreSettings(read);
  if (store.redisUrl === undefined && roles.size < ROLES.length)
    read.problems.push(`MDG_ROLES=${[...roles].join(',')} runs only part of the gateway: set REDIS_URL so the roles can find each other`);
  const candleGrace = readCandleGrace(read);
  const config: GatewayConfig = {
    roles,
    ...store,
    nodeId: read.text('MDG_NODE_ID', `${hostname()}-${process.pid}`),
    ...readFeedAndIngest(read),
    autoTrack: read.flag('MDG_AUTO_TRACK_TOKENS', false)
      ? Object.freeze({ quoteToken: WRAPPED_SOL_MINT, decimals: read.integer('MDG_AUTO_TRACK_DECIMALS', 6, 0, 18) })
      : undefined,
    binanceUrl: read.raw('MDG_BINANCE_URL'),
    coinbaseUrl: read.raw('MDG_COINBASE_URL'),
    engineLeaseTtlMs: read.integer('MDG_ENGINE_LEASE_TTL_MS', 3000, 500, 60_000),
    connectionLeaseTtlMs: read.integer('MDG_CONNECTION_LEASE_TTL_MS', 3000, 1000, 600_000),
    port: read.integer('PORT', 8080, 0, 65535),
    host: read.text('HOST', '0.0.0.0'),
    demoKeys: read.flag('MDG_DEMO_KEYS', true),
    simulator: {
      seed: read.integer('MDG_SIM_SEED', 1, 0, Number.MAX_SAFE_INTEGER),
      tradesPerSecond: read.integer('MDG_SIM_RATE', 400, 1, 1_000_000),
    },
    priceIntervalMs: read.integer('MDG_PRICE_INTERVAL_MS', 100, 1, 60_000),
    candleIntervalMs: read.integer('MDG_CANDLE_INTERVAL_MS', 100, 1, 60_000),
    candleGrace,
    maxConnectionsPerUser: read.integer('MDG_API_WS_MAX_CONNECTIONS', 2, 1, 1000),
    chartLiveConnectionsPerPlan: read.integer('MDG_CHART_LIVE_MAX_CONNECTIONS', 5, 1, 1000),
    statusIntervalSeconds: read.integer('MDG_STATUS_INTERVAL_S', 10, 0, 3600),
    benchStamp: read.flag('MDG_BENCH_STAMP', false),
    warnings: Object.freeze(unknownSettingWarnings(env)),
  };
  if (read.problems.length > 0) throw new InvalidConfigError(read.problems);
  return Object.freeze({ ...config, simulator: Object.freeze(config.simulator) });
}

function readRoles(read: EnvReader): ReadonlySet<Role> {
  const names = read.list('MDG_ROLES', 'all');
  if (names.includes('all')) return new Set(ROLES);
  const roles = new Set<Role>();
  for (const name of names) {
    if ((ROLES as readonly string[]).includes(name)) roles.add(name as Role);
    else read.problems.push(`MDG_ROLES: unknown role ${JSON.stringify(name)} (engine, edge, worker or all)`);
  }
  if (roles.size === 0 && read.problems.length === 0) read.problems.push('MDG_ROLES names no role');
  return roles;
}

function readFeedAndIngest(read: EnvReader): { feed: FeedSpec; ingest: boolean } {
  const items = read
    .text('MDG_FEED', 'simulator')
    .split(',')
    .map((item) => item.trim());
  const ingest = items.includes('ingest');
  const rest = items.filter((item) => item !== 'ingest' && item !== '');
  if (rest.length === 0) return { feed: { kind: 'none' }, ingest };
  return { feed: readFeed(read, rest.join(',')), ingest };
}

function readFeed(read: EnvReader, raw: string): FeedSpec {
  if (raw === 'simulator') return { kind: 'simulator' };
  if (raw.startsWith('replay:')) {
    const speed = Number(read.text('MDG_REPLAY_SPEED', '1'));
    if (!Number.isFinite(speed) || speed < 0) read.problems.push('MDG_REPLAY_SPEED must be a number >= 0 (0 = as fast as possible)');
    return { kind: 'replay', path: raw.slice('replay:'.length), speed };
  }
  const venues = raw.split(',').map((name) => name.trim().toLowerCase());
  const known = venues.filter((name): name is 'binance' | 'coinbase' => name === 'binance' || name === 'coinbase');
  if (known.length !== venues.length || new Set(known).size !== known.length) {
    read.problems.push(
      `MDG_FEED must be simulator, replay:<file.ndjson>, or a list of distinct venues from binance, coinbase (first = primary), each optionally with ingest; got ${JSON.stringify(raw)}`,
    );
    return { kind: 'simulator' };
  }
  return { kind: 'venues', venues: known };
}
