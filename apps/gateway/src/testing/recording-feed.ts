import type { Feed, FeedHandlers, FeedState } from '@mdg/feeds';
import type { Clock, Trade } from '@mdg/model';

/** Wraps a feed and records every trade with the clock time it was handed on (for reference checks). */
export class RecordingFeed implements Feed {
  readonly trades: { trade: Trade; nowMs: number }[] = [];

  constructor(
    private readonly inner: Feed,
    private readonly clock: Clock,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  start(handlers: FeedHandlers): Promise<void> {
    return this.inner.start({
      onTrade: (trade) => {
        this.trades.push({ trade, nowMs: this.clock.now() });
        handlers.onTrade(trade);
      },
      onError: (error) => handlers.onError(error),
    });
  }

  stop(): Promise<void> {
    return this.inner.stop();
  }

  state(): FeedState {
    return this.inner.state();
  }
}
