/**
 * Every environment variable mdg reads, with what reads it. One list for both apps: an
 * operator exports one environment for `npm start` and `npm run mdg`, so a setting only the
 * gateway reads is still known to the CLI (no false warnings), and a misspelt `MDG_*` name is
 * reported by both (see unknownSettingWarnings).
 */
export const KNOWN_SETTINGS = Object.freeze({
  PORT: 'gateway',
  HOST: 'gateway',
  REDIS_URL: 'gateway, cli',
  MDG_REDIS_PREFIX: 'gateway, cli',
  MDG_KEYS_FILE: 'gateway, cli',
  MDG_TOKENS_FILE: 'gateway, cli',
  MDG_ROLES: 'gateway',
  MDG_NODE_ID: 'gateway',
  MDG_FEED: 'gateway',
  MDG_REPLAY_SPEED: 'gateway',
  MDG_AUTO_TRACK_TOKENS: 'gateway',
  MDG_AUTO_TRACK_DECIMALS: 'gateway',
  MDG_BINANCE_URL: 'gateway',
  MDG_COINBASE_URL: 'gateway',
  MDG_ENGINE_LEASE_TTL_MS: 'gateway',
  MDG_CONNECTION_LEASE_TTL_MS: 'gateway',
  MDG_DEMO_KEYS: 'gateway',
  MDG_SIM_SEED: 'gateway',
  MDG_SIM_RATE: 'gateway',
  MDG_PRICE_INTERVAL_MS: 'gateway',
  MDG_CANDLE_INTERVAL_MS: 'gateway',
  MDG_CANDLE_GRACE_MS: 'gateway',
  MDG_CANDLE_GRACE_FEED_MS: 'gateway',
  MDG_CANDLE_GRACE_INGEST_MS: 'gateway',
  MDG_API_WS_MAX_CONNECTIONS: 'gateway',
  MDG_CHART_LIVE_MAX_CONNECTIONS: 'gateway',
  MDG_STATUS_INTERVAL_S: 'gateway',
  MDG_BENCH_STAMP: 'gateway',
  // Read by tools around the apps, so an operator's shell may well hold them.
  MDG_PORT: 'deploy/compose.yaml (published port)',
  MDG_KEEP_SCREENSHOTS: 'dashboard browser test',
} as const);

export type SettingName = keyof typeof KNOWN_SETTINGS;

export function isKnownSetting(name: string): name is SettingName {
  return Object.prototype.hasOwnProperty.call(KNOWN_SETTINGS, name);
}
