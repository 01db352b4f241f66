import { hostname } from 'node:os';
import { InvalidConfigError, WRAPPED_SOL_MINT } from '@mdg/model';

export type Role = 'engine' | 'edge' | 'worker';
export const ROLES: readonly Role[] = ['engine', 'edge', 'worker'];

/** Where trades come from (MDG_FEED). */
export type FeedSpec =
  | { kind: 'none' }
  | { kind: 'simulator' }
  | { kind: 'venues'; venues: ('binance' | 'coinbase')[] }
  | { kind: 'replay'; path: string; speed: number };

/** Everything the gateway process reads from its environment, validated once and frozen. */
export interface GatewayConfig {
  /** Which roles this process runs; the embedded default runs both. */
  readonly roles: ReadonlySet<Role>;
  /** With Redis the roles may run in separate processes; without it everything stays in this one. */
  readonly redisUrl: string | undefined;
  readonly redisKeyPrefix: string;
  /** Names this process in leases and logs. */
  readonly nodeId: string;
  readonly feed: FeedSpec;
  /** MDG_FEED includes `ingest`: token trades pushed by indexers (HTTP POST /ingest/trades, Redis Stream). */
  readonly ingest: boolean;
  /** Track unknown tokens on their first ingested trade (quote token wrapped SOL). */
  readonly autoTrack: { readonly quoteToken: string; readonly decimals: number } | undefined;
  /** Registered tokens (embedded mode; with Redis they live there). */
  readonly tokensFile: string;
  /** Venue endpoints (tests point them at loopback fakes). */
  readonly binanceUrl: string | undefined;
  readonly coinbaseUrl: string | undefined;
  /** How long an engine owner may go silent before a standby takes over. */
  readonly engineLeaseTtlMs: number;
  /** How long a dead edge's connection slots stay counted. */
  readonly connectionLeaseTtlMs: number;
  readonly port: number;
  readonly host: string;
  /** JSON keys file shared with `npm run mdg -- keys ...`. */
  readonly keysFile: string;
  /** Create (and print) a demo Pro key and a demo free key at start. */
  readonly demoKeys: boolean;
  readonly simulator: { readonly seed: number; readonly tradesPerSecond: number };
  readonly priceIntervalMs: number;
  readonly candleIntervalMs: number;
  readonly candleGraceMs: number;
  readonly maxConnectionsPerUser: number;
  readonly chartLiveConnectionsPerPlan: number;
  /** Benchmarks only: add the engine's accepted/published times (`t`, `tp`) to every update. */
  readonly benchStamp: boolean;
  /** Seconds between status lines on stdout; 0 = quiet. */
  readonly statusIntervalSeconds: number;
}

type Env = Readonly<Record<string, string | undefined>>;

class Reader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
      return fallback;
    }
    return value;
  }

  text(name: string, fallback: string): string {
    const raw = this.env[name];
    return raw === undefined || raw === '' ? fallback : raw;
  }

  list(name: string, fallback: string): string[] {
    return this.text(name, fallback)
      .split(',')
      .map((item) => item.trim().toLowerCase())
      .filter((item) => item.length > 0);
  }

  flag(name: string, fallback: boolean): boolean {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
    this.problems.push(`${name} must be true or false, got ${JSON.stringify(raw)}`);
    return fallback;
  }
}

/** Reads and validates the configuration; throws InvalidConfigError listing every problem at once. */
export function loadGatewayConfig(env: Env): GatewayConfig {
  const read = new Reader(env);
  const roles = readRoles(read);
  const redisUrl = env['REDIS_URL'] === '' ? undefined : env['REDIS_URL'];
  if (redisUrl === undefined && roles.size < ROLES.length) read.problems.push(`MDG_ROLES=${[...roles].join(',')} runs only part of the gateway: set REDIS_URL so the roles can find each other`);
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) read.problems.push(`REDIS_URL must start with redis:// or rediss://, got ${JSON.stringify(redisUrl)}`);
  const config: GatewayConfig = {
    roles,
    redisUrl,
    redisKeyPrefix: read.text('MDG_REDIS_PREFIX', 'mdg:'),
    nodeId: read.text('MDG_NODE_ID', `${hostname()}-${process.pid}`),
    ...readFeedAndIngest(read),
    autoTrack: read.flag('MDG_AUTO_TRACK_TOKENS', false) ? Object.freeze({ quoteToken: WRAPPED_SOL_MINT, decimals: read.integer('MDG_AUTO_TRACK_DECIMALS', 6, 0, 18) }) : undefined,
    tokensFile: read.text('MDG_TOKENS_FILE', '.mdg/tokens.json'),
    binanceUrl: env['MDG_BINANCE_URL'] || undefined,
    coinbaseUrl: env['MDG_COINBASE_URL'] || undefined,
    engineLeaseTtlMs: read.integer('MDG_ENGINE_LEASE_TTL_MS', 3000, 500, 60_000),
    connectionLeaseTtlMs: read.integer('MDG_CONNECTION_LEASE_TTL_MS', 15_000, 1000, 600_000),
    port: read.integer('PORT', 8080, 0, 65535),
    host: read.text('HOST', '0.0.0.0'),
    keysFile: read.text('MDG_KEYS_FILE', '.mdg/keys.json'),
    demoKeys: read.flag('MDG_DEMO_KEYS', true),
    simulator: {
      seed: read.integer('MDG_SIM_SEED', 1, 0, Number.MAX_SAFE_INTEGER),
      tradesPerSecond: read.integer('MDG_SIM_RATE', 400, 1, 1_000_000),
    },
    priceIntervalMs: read.integer('MDG_PRICE_INTERVAL_MS', 100, 1, 60_000),
    candleIntervalMs: read.integer('MDG_CANDLE_INTERVAL_MS', 100, 1, 60_000),
    candleGraceMs: read.integer('MDG_CANDLE_GRACE_MS', 1000, 0, 60_000),
    maxConnectionsPerUser: read.integer('MDG_API_WS_MAX_CONNECTIONS', 2, 1, 1000),
    chartLiveConnectionsPerPlan: read.integer('MDG_CHART_LIVE_MAX_CONNECTIONS', 5, 1, 1000),
    statusIntervalSeconds: read.integer('MDG_STATUS_INTERVAL_S', 10, 0, 3600),
    benchStamp: read.flag('MDG_BENCH_STAMP', false),
  };
  if (read.problems.length > 0) throw new InvalidConfigError(read.problems);
  return Object.freeze({ ...config, simulator: Object.freeze(config.simulator) });
}

function readRoles(read: Reader): ReadonlySet<Role> {
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

function readFeedAndIngest(read: Reader): { feed: FeedSpec; ingest: boolean } {
  const items = read.text('MDG_FEED', 'simulator').split(',').map((item) => item.trim());
  const ingest = items.includes('ingest');
  const rest = items.filter((item) => item !== 'ingest' && item !== '');
  if (rest.length === 0) return { feed: { kind: 'none' }, ingest };
  return { feed: readFeed(read, rest.join(',')), ingest };
}

function readFeed(read: Reader, raw: string): FeedSpec {
  if (raw === 'simulator') return { kind: 'simulator' };
  if (raw.startsWith('replay:')) {
    const speed = Number(read.text('MDG_REPLAY_SPEED', '1'));
    if (!Number.isFinite(speed) || speed < 0) read.problems.push('MDG_REPLAY_SPEED must be a number >= 0 (0 = as fast as possible)');
    return { kind: 'replay', path: raw.slice('replay:'.length), speed };
  }
  const venues = raw.split(',').map((name) => name.trim().toLowerCase());
  const known = venues.filter((name): name is 'binance' | 'coinbase' => name === 'binance' || name === 'coinbase');
  if (known.length !== venues.length || new Set(known).size !== known.length) {
    read.problems.push(`MDG_FEED must be simulator, replay:<file.ndjson>, or a list of distinct venues from binance, coinbase (first = primary), each optionally with ingest; got ${JSON.stringify(raw)}`);
    return { kind: 'simulator' };
  }
  return { kind: 'venues', venues: known };
}
