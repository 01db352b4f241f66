import type { Plan } from '@mdg/auth';
import { systemIntervalTimer, type IntervalTimer } from '@mdg/feeds';
import { InvalidConfigError, systemClock, type Clock } from '@mdg/model';

/** Tunables of the `/ws/chart-live` endpoint; every field is optional, defaults below. */
export interface ChartLiveOptions {
  /** URL pattern of the endpoint. Default `/ws/chart-live`. */
  path?: string;
  /** ConnectionRegistry pool the connection slots are counted in. Default `chart-live`. */
  connectionPool?: string;
  /** Concurrent connections per user, by plan, counted across every node. Default `{ free: 5, pro: 5 }`. */
  maxConnectionsPerPlan?: Readonly<Record<Plan, number>>;
  /** Inbound messages per connection per second; more get RATE_LIMITED. Default 10. */
  inboundMessagesPerSecond?: number;
  /** Consecutive over-budget seconds (or 3 budgets in one second) before the close 4429. Default 3. */
  inboundStrikesToClose?: number;
  /** (token, timeframe) streams per connection. Default 50. */
  maxSubscriptions?: number;
  /** Largest inbound message we answer; larger ones get MESSAGE_TOO_LARGE and the connection stays. Default 4096. */
  maxMessageBytes?: number;
  /**
   * uWS `maxPayloadLength`: beyond this uWS itself drops the connection (no close frame: the
   * client sees 1006) without buffering the message. Must be ≥ maxMessageBytes so oversized-but-sane messages reach us
   * and get a proper error. Default 65536.
   */
  maxPayloadLength?: number;
  /** Buffered outbound bytes above which a client is treated as slow: live updates stop and are conflated. Default 256 KiB. */
  softBackpressureBytes?: number;
  /**
   * Buffered outbound bytes above which a client is closed with 4008. uWS's own
   * `maxBackpressure` is set a margin above it so nothing, not even the close frame, is ever
   * dropped silently. Default 4 MiB.
   */
  hardBackpressureBytes?: number;
  /** A client slow for longer than this is closed with 4008. Default 10000 ms. */
  slowConsumerTimeoutMs?: number;
  /** Period of the timer that resumes drained slow clients and closes stuck ones. Default 250 ms. */
  slowCheckIntervalMs?: number;
  /** Closed candles kept per stream so a slow client's catch-up includes every final it missed. Default 32. */
  finalsKeptPerStream?: number;
  /** uWS `idleTimeout` in seconds: 0 (off) or 8..960; pings are sent automatically. Default 120. */
  idleTimeoutSeconds?: number;
  /** Source of "now" for the inbound rate limit, `pong.time` and slow-client deadlines. Default: system clock. */
  clock?: Clock;
  /** Runs the periodic slow-client check (every slowCheckIntervalMs). Default: setInterval. */
  timer?: IntervalTimer;
  /** Benchmarks only: chart events also carry `t` (envelope.acceptedAt) and `tp` (publishedAt). Default false. */
  benchStamp?: boolean;
}

export type ResolvedChartLiveOptions = Readonly<Required<ChartLiveOptions>>;

export const CHART_LIVE_DEFAULTS: ResolvedChartLiveOptions = Object.freeze({
  path: '/ws/chart-live',
  connectionPool: 'chart-live',
  maxConnectionsPerPlan: Object.freeze({ free: 5, pro: 5 }),
  inboundMessagesPerSecond: 10,
  inboundStrikesToClose: 3,
  maxSubscriptions: 50,
  maxMessageBytes: 4096,
  maxPayloadLength: 64 * 1024,
  softBackpressureBytes: 256 * 1024,
  hardBackpressureBytes: 4 * 1024 * 1024,
  slowConsumerTimeoutMs: 10_000,
  slowCheckIntervalMs: 250,
  finalsKeptPerStream: 32,
  idleTimeoutSeconds: 120,
  clock: systemClock,
  timer: systemIntervalTimer,
  benchStamp: false,
});

/** Defaults applied, every problem collected into one InvalidConfigError, result frozen. */
export function resolveChartLiveOptions(options: ChartLiveOptions = {}): ResolvedChartLiveOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const resolved: Required<ChartLiveOptions> = { ...CHART_LIVE_DEFAULTS, ...defined };
  const problems: string[] = [];
  const positiveInteger = (name: keyof ChartLiveOptions, value: unknown): void => {
    if (!Number.isInteger(value) || (value as number) < 1) problems.push(`${name} must be a positive integer, got ${String(value)}`);
  };
  if (typeof resolved.path !== 'string' || !resolved.path.startsWith('/')) problems.push(`path must start with '/', got ${String(resolved.path)}`);
  if (typeof resolved.connectionPool !== 'string' || resolved.connectionPool === '') problems.push('connectionPool must be a non-empty string');
  for (const plan of ['free', 'pro'] as const) {
    const limit = resolved.maxConnectionsPerPlan?.[plan];
    if (!Number.isInteger(limit) || limit < 0) problems.push(`maxConnectionsPerPlan.${plan} must be an integer ≥ 0, got ${String(limit)}`);
  }
  positiveInteger('inboundMessagesPerSecond', resolved.inboundMessagesPerSecond);
  positiveInteger('inboundStrikesToClose', resolved.inboundStrikesToClose);
  positiveInteger('maxSubscriptions', resolved.maxSubscriptions);
  positiveInteger('maxMessageBytes', resolved.maxMessageBytes);
  positiveInteger('maxPayloadLength', resolved.maxPayloadLength);
  positiveInteger('softBackpressureBytes', resolved.softBackpressureBytes);
  positiveInteger('hardBackpressureBytes', resolved.hardBackpressureBytes);
  positiveInteger('slowConsumerTimeoutMs', resolved.slowConsumerTimeoutMs);
  positiveInteger('slowCheckIntervalMs', resolved.slowCheckIntervalMs);
  positiveInteger('finalsKeptPerStream', resolved.finalsKeptPerStream);
  if (resolved.maxPayloadLength < resolved.maxMessageBytes)
    problems.push('maxPayloadLength must be ≥ maxMessageBytes (else oversized messages close the connection instead of getting MESSAGE_TOO_LARGE)');
  if (resolved.hardBackpressureBytes <= resolved.softBackpressureBytes) problems.push('hardBackpressureBytes must be greater than softBackpressureBytes');
  const idle = resolved.idleTimeoutSeconds;
  // uWS aborts the whole process (not a catchable throw) on an idleTimeout outside these bounds.
  if (!Number.isInteger(idle) || (idle !== 0 && (idle < 8 || idle > 960)))
    problems.push(`idleTimeoutSeconds must be 0 or an integer 8..960, got ${String(idle)}`);
  if (typeof resolved.clock?.now !== 'function') problems.push('clock must have a now() method');
  if (typeof resolved.timer?.every !== 'function') problems.push('timer must have an every() method');
  if (typeof resolved.benchStamp !== 'boolean') problems.push(`benchStamp must be a boolean, got ${String(resolved.benchStamp)}`);
  if (problems.length > 0) throw new InvalidConfigError(problems);
  return Object.freeze({ ...resolved, maxConnectionsPerPlan: Object.freeze({ ...resolved.maxConnectionsPerPlan }) });
}
