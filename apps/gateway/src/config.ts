import { InvalidConfigError } from '@mdg/model';

/** Everything the gateway process reads from its environment, validated once and frozen. */
export interface GatewayConfig {
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
  const config: GatewayConfig = {
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
  };
  if (read.problems.length > 0) throw new InvalidConfigError(read.problems);
  return Object.freeze({ ...config, simulator: Object.freeze(config.simulator) });
}
