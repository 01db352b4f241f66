import type { Feed, FeedHandlers, FeedState } from '@mdg/feeds';

/**
 * Several feeds as one, for a pipeline that takes trades from more than one kind of source
 * (e.g. the exchange feeds for the price symbols and the ingest stream for tokens). Unlike
 * FailoverFeed, every member delivers all the time; they should cover different instruments
 * (or the engine sees a trade once per member). State: `live` when every member is live,
 * `stopped` when all are, `stale` otherwise (one member behind or finished is worth a look).
 * (Generic feed plumbing; it lives here because the ingest change did not touch @mdg/feeds.)
 */
export class MergedFeed implements Feed {
  readonly name: string;
  private started = false;

  constructor(
    readonly feeds: readonly Feed[],
    name?: string,
  ) {
    if (feeds.length === 0) throw new RangeError('MergedFeed needs at least one feed');
    this.name = name ?? feeds.map((feed) => feed.name).join('+');
  }

  /** Starts every member; if one fails, the others are stopped again and the failure is thrown. */
  async start(handlers: FeedHandlers): Promise<void> {
    if (this.started) throw new Error(`feed ${this.name}: start() called twice; a feed starts once`);
    this.started = true;
    const results = await Promise.allSettled(this.feeds.map((feed) => feed.start(handlers)));
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed === undefined) return;
    await Promise.all(this.feeds.map((feed) => feed.stop()));
    throw failed.reason;
  }

  async stop(): Promise<void> {
    await Promise.all(this.feeds.map((feed) => feed.stop()));
  }

  state(): FeedState {
    const states = this.feeds.map((feed) => feed.state());
    if (states.every((state) => state === 'idle')) return 'idle';
    if (states.every((state) => state === 'live')) return 'live';
    if (states.every((state) => state === 'stopped')) return 'stopped';
    return 'stale';
  }
}
