import type { Feed, FeedState } from '@mdg/feeds';
import { InvalidConfigError, systemClock, type Trade } from '@mdg/model';
import type { FrameContext } from './frame-context';
import { guardLivenessHandlers } from './guard-liveness-handlers';
import type { LivenessHandlers } from './liveness-handlers';
import { ReconnectBackoff } from './reconnect-backoff';
import { SendRateLimiter, type SendRateLimit } from './send-rate-limiter';
import { VenueConnection } from './venue-connection';
import type { VenueFeedOptions } from './venue-feed-options';
import type { VenueFeedStats } from './venue-feed-stats';
import type { VenueMarketMap } from './venue-market-map';
import type { VenueProtocol } from './venue-protocol';
import { systemVenueTimers } from './venue-timers';

/** What a concrete venue feed fixes: its name, table, defaults and wire protocol. */
export interface VenueDefinition {
  venue: string;
  markets: VenueMarketMap;
  url: string;
  staleAfterMs: number;
  rotateAfterMs: number | false;
  rateLimit: SendRateLimit;
  /** Builds the protocol for the validated options; `frameContext` gives the decoder its inputs. */
  protocol(setup: { url: string; markets: VenueMarketMap; frameContext: (nowMs: number) => FrameContext }): VenueProtocol;
}

const MIN_STALE_MS = 20;

/**
 * A Feed over one venue's public trade stream: validated options, a VenueConnection doing
 * the socket work, Feed state and counters. BinanceTradeFeed and CoinbaseTradeFeed are this
 * class with a venue definition; the only venue-specific code is their protocol.
 *
 * States: 'idle' before start; 'stale' while connecting or reconnecting; 'live' while the
 * active connection is subscribed; 'stopped' after stop (final).
 */
export class VenueTradeFeed implements Feed {
  readonly name: string;
  readonly venue: string;
  /** The markets this feed subscribes (restricted to `symbols` when given). */
  readonly markets: VenueMarketMap;
  private readonly connection: VenueConnection;
  private readonly onEvent: VenueFeedOptions['onEvent'];
  private current: FeedState = 'idle';
  private handlers: Required<LivenessHandlers> | undefined;
  private emitted = 0;
  private rejected = 0;

  protected constructor(definition: VenueDefinition, options: VenueFeedOptions) {
    const problems: string[] = [];
    const url = options.url ?? definition.url;
    problems.push(...checkUrl(url));
    const staleAfterMs = options.staleAfterMs ?? definition.staleAfterMs;
    if (!Number.isFinite(staleAfterMs) || staleAfterMs < MIN_STALE_MS) problems.push(`staleAfterMs must be >= ${MIN_STALE_MS}, got ${staleAfterMs}`);
    const rotate = options.rotateAfterMs ?? definition.rotateAfterMs;
    const overlap = options.rotationOverlapMs ?? 3000;
    if (!Number.isFinite(overlap) || overlap < 0) problems.push(`rotationOverlapMs must be >= 0, got ${overlap}`);
    if (rotate !== false && (!Number.isFinite(rotate) || rotate <= overlap))
      problems.push(`rotateAfterMs must be false or > rotationOverlapMs (${overlap}), got ${rotate}`);
    const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    if (!Number.isFinite(connectTimeoutMs) || connectTimeoutMs < 1) problems.push(`connectTimeoutMs must be >= 1, got ${connectTimeoutMs}`);
    const dedupCapacity = options.dedupCapacity ?? 20_000;
    if (!Number.isInteger(dedupCapacity) || dedupCapacity < 0) problems.push(`dedupCapacity must be a non-negative integer, got ${dedupCapacity}`);
    const maxPayloadBytes = options.maxPayloadBytes ?? 16 * 1024 * 1024;
    if (!Number.isInteger(maxPayloadBytes) || maxPayloadBytes < 1024) problems.push(`maxPayloadBytes must be an integer >= 1024, got ${maxPayloadBytes}`);
    const skew = options.maxFutureSkewMs ?? 5000;
    if (!Number.isFinite(skew) || skew < 0) problems.push(`maxFutureSkewMs must be >= 0, got ${skew}`);
    const rateLimit = options.rateLimit ?? definition.rateLimit;
    problems.push(...SendRateLimiter.validate(rateLimit), ...ReconnectBackoff.validate(options.backoff ?? {}));
    let markets = options.markets ?? definition.markets;
    if (options.symbols !== undefined) {
      try {
        markets = markets.restrict(options.symbols);
      } catch (error) {
        problems.push(...(error instanceof InvalidConfigError ? error.problems : [String(error)]));
      }
    }
    if (markets.symbols().length === 0) problems.push(`${definition.venue}: no symbols to subscribe`);
    if (problems.length > 0) throw new InvalidConfigError(problems);

    this.venue = definition.venue;
    this.name = options.name ?? definition.venue;
    this.markets = markets;
    this.onEvent = options.onEvent;
    const clock = options.clock ?? systemClock;
    const registry = options.registry;
    const protocol = definition.protocol({ url, markets, frameContext: (nowMs) => ({ markets, registry, nowMs, maxFutureSkewMs: skew }) });
    this.connection = new VenueConnection(
      {
        protocol,
        staleAfterMs,
        rotateAfterMs: rotate === false ? undefined : rotate,
        rotationOverlapMs: overlap,
        connectTimeoutMs,
        rateLimit,
        backoff: options.backoff ?? {},
        dedupCapacity,
        maxPayloadBytes,
        random: options.random ?? Math.random,
        timers: options.timers ?? systemVenueTimers,
        wallClockNow: () => clock.now(),
      },
      {
        trade: (trade) => this.deliver(trade),
        heartbeat: () => this.handlers?.onHeartbeat(this.instruments()),
        rejected: (error) => {
          this.rejected++;
          this.handlers?.onError(error);
        },
        error: (error) => this.handlers?.onError(error),
        stateChanged: (state) => {
          if (this.current !== 'stopped') this.current = state;
        },
        event: (event) => {
          try {
            this.onEvent?.(event);
          } catch (error) {
            process.emitWarning(`feed ${this.name}: onEvent threw: ${error instanceof Error ? error.message : String(error)}`);
          }
        },
      },
    );
  }

  /** Resolves at once: connecting, subscribing and any retry happen in the background and report through `handlers`. */
  // eslint-disable-next-line @typescript-eslint/require-await -- async so that a second start() rejects (the Feed contract) rather than throws
  async start(handlers: LivenessHandlers): Promise<void> {
    if (this.current !== 'idle') throw new Error(`feed ${this.name}: start() called in state '${this.current}'; a feed starts once`);
    this.handlers = guardLivenessHandlers(handlers, this.name);
    this.current = 'stale';
    this.connection.start();
  }

  async stop(): Promise<void> {
    this.current = 'stopped';
    await this.connection.stop();
  }

  state(): FeedState {
    return this.current;
  }

  stats(): VenueFeedStats {
    return { emitted: this.emitted, rejected: this.rejected, ...this.connection.stats() };
  }

  /** Our symbols this feed subscribes, in PRICE_SYMBOLS order. */
  instruments(): readonly string[] {
    return this.markets.symbols();
  }

  private deliver(trade: Trade): void {
    if (this.current === 'stopped' || !this.handlers) return;
    this.emitted++;
    this.handlers.onTrade(trade);
  }
}

function checkUrl(url: string): string[] {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'ws:' || parsed.protocol === 'wss:' ? [] : [`url must be ws:// or wss://, got ${url}`];
  } catch {
    return [`url is not a valid URL: ${JSON.stringify(url)}`];
  }
}
