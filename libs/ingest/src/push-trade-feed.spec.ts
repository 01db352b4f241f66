import type { Feed, FeedHandlers, FeedState } from '@mdg/feeds';
import type { Trade } from '@mdg/model';
import { describeFeedContract } from '@mdg/feeds/testing';
import { MergedFeed } from './merged-feed';
import { PushTradeFeed } from './push-trade-feed';

const trade = (tradeId: string, source = 'raydium'): Trade => ({ instrument: 'M', price: 1, size: 1, side: 'buy', time: 1_746_000_000_000, tradeId, source });

describe('PushTradeFeed', () => {
  it('applies pushed trades once each, in order, and refuses pushes unless running', async () => {
    const feed = new PushTradeFeed();
    expect(() => feed.push([trade('a')])).toThrow(expect.objectContaining({ code: 'SERVICE_UNAVAILABLE' }));
    const applied: Trade[] = [];
    const errors: Error[] = [];
    await feed.start({ onTrade: (t) => void applied.push(t), onError: (error) => errors.push(error) });
    expect(feed.state()).toBe('live');
    expect(feed.push([trade('a'), trade('b'), trade('a')])).toEqual({ applied: 2, duplicates: 1 });
    expect(feed.push([trade('b'), trade('b', 'orca')])).toEqual({ applied: 1, duplicates: 1 });
    expect(applied.map((t) => `${t.source}:${t.tradeId}`)).toEqual(['raydium:a', 'raydium:b', 'orca:b']);
    expect(feed.stats()).toEqual({ emitted: 3, rejected: 0, duplicates: 2 });
    await feed.stop();
    expect(() => feed.push([trade('c')])).toThrow(expect.objectContaining({ code: 'SERVICE_UNAVAILABLE' }));
    expect(errors).toEqual([]);
  });

  it('reports a throwing onTrade and goes on with the batch', async () => {
    const feed = new PushTradeFeed();
    const errors: Error[] = [];
    const applied: string[] = [];
    await feed.start({
      onTrade: (t) => {
        if (t.tradeId === 'bad') throw new Error('engine bug');
        applied.push(t.tradeId);
      },
      onError: (error) => errors.push(error),
    });
    feed.push([trade('bad'), trade('ok')]);
    expect(applied).toEqual(['ok']);
    expect(errors.map((error) => error.message)).toEqual(['engine bug']);
  });
});

describe('MergedFeed', () => {
  class Member implements Feed {
    current: FeedState = 'idle';
    handlers: FeedHandlers | undefined;
    constructor(
      readonly name: string,
      private readonly fail = false,
    ) {}
    async start(handlers: FeedHandlers): Promise<void> {
      if (this.fail) throw new Error(`${this.name} cannot start`);
      this.handlers = handlers;
      this.current = 'live';
    }
    async stop(): Promise<void> {
      this.current = 'stopped';
    }
    state(): FeedState {
      return this.current;
    }
  }

  it('runs every member with the same handlers and reports a combined state', async () => {
    const a = new Member('binance');
    const b = new Member('redis-stream');
    const merged = new MergedFeed([a, b]);
    expect(merged.name).toBe('binance+redis-stream');
    expect(merged.state()).toBe('idle');
    const seen: string[] = [];
    await merged.start({ onTrade: (t) => void seen.push(t.tradeId), onError: () => undefined });
    a.handlers!.onTrade(trade('1'));
    b.handlers!.onTrade(trade('2'));
    expect(seen).toEqual(['1', '2']);
    expect(merged.state()).toBe('live');
    b.current = 'stale';
    expect(merged.state()).toBe('stale');
    await merged.stop();
    expect(merged.state()).toBe('stopped');
  });

  it('stops the started members when one fails to start', async () => {
    const a = new Member('ok');
    const merged = new MergedFeed([a, new Member('broken', true)]);
    await expect(merged.start({ onTrade: () => undefined, onError: () => undefined })).rejects.toThrow('broken cannot start');
    expect(a.state()).toBe('stopped');
    expect(() => new MergedFeed([])).toThrow(RangeError);
  });
});

describeFeedContract('PushTradeFeed', () => {
  const feed = new PushTradeFeed();
  let next = 0;
  return { feed, produce: () => void feed.push([trade(`contract-${next++}`)]) };
});

describeFeedContract('MergedFeed (two push feeds)', () => {
  const first = new PushTradeFeed({ name: 'first' });
  const second = new PushTradeFeed({ name: 'second' });
  let next = 0;
  return {
    feed: new MergedFeed([first, second]),
    // Alternate members, so both are proven to deliver through the merged handlers.
    produce: () => void (next % 2 === 0 ? first : second).push([trade(`contract-${next++}`)]),
  };
});
