import type { Feed, FeedState } from '@mdg/feeds';
import type { Trade } from '@mdg/model';
import type { LivenessHandlers } from '../liveness-handlers';

/** An in-memory Feed a spec drives by hand: trades, heartbeats and state on demand. */
export class StubFeed implements Feed {
  current: FeedState = 'idle';
  handlers: LivenessHandlers | undefined;
  stopCalls = 0;
  private nextId = 1;

  constructor(
    readonly name: string,
    private readonly declared?: readonly string[],
    private readonly failStart?: Error,
  ) {}

  // eslint-disable-next-line @typescript-eslint/require-await -- async so that a scripted start failure rejects, as a real feed's does
  async start(handlers: LivenessHandlers): Promise<void> {
    if (this.failStart) throw this.failStart;
    this.handlers = handlers;
    this.current = 'live';
  }

  stop(): Promise<void> {
    this.stopCalls++;
    this.current = 'stopped';
    return Promise.resolve();
  }

  state(): FeedState {
    return this.current;
  }

  /** Present only when declared, like venue feeds (FailoverFeed duck-types it). */
  get instruments(): (() => readonly string[]) | undefined {
    const declared = this.declared;
    return declared ? () => declared : undefined;
  }

  /** Delivers a trade; id and time default to a running counter and `time`. */
  trade(instrument: string, time: number, tradeId = String(this.nextId++)): Trade {
    const trade: Trade = Object.freeze({ instrument, price: 100, size: 1, side: 'buy', time, tradeId, source: this.name });
    this.handlers?.onTrade(trade);
    return trade;
  }

  heartbeat(instruments: readonly string[]): void {
    this.handlers?.onHeartbeat?.(instruments);
  }
}
