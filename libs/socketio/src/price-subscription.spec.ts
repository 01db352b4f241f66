import { PRICE_SYMBOLS } from '@mdg/model';
import { PriceSubscription } from './price-subscription';

describe('PriceSubscription (the /api-ws delivery rule)', () => {
  it('starts with every symbol', () => {
    const subscription = new PriceSubscription();
    expect(subscription.mode).toBe('all');
    expect(subscription.symbols()).toEqual([...PRICE_SYMBOLS]);
  });

  it('the first subscribe switches to exactly the subscribed set', () => {
    const subscription = new PriceSubscription();
    const change = subscription.subscribe(['ETH', 'BTC']);
    expect(subscription.mode).toBe('specific');
    expect(subscription.symbols()).toEqual(['BTC', 'ETH']);
    expect(change.join).toEqual([]);
    expect([...change.leave].sort()).toEqual(PRICE_SYMBOLS.filter((symbol) => symbol !== 'BTC' && symbol !== 'ETH').sort());
  });

  it('later subscribes add, unsubscribes remove; room changes name only what changed', () => {
    const subscription = new PriceSubscription();
    subscription.subscribe(['BTC']);
    expect(subscription.subscribe(['BTC', 'SOL'])).toEqual({ leave: [], join: ['SOL'] });
    expect(subscription.unsubscribe(['BTC', 'ADA', 'BTC'])).toEqual({ leave: ['BTC'], join: [] });
    expect(subscription.symbols()).toEqual(['SOL']);
    expect(subscription.unsubscribe(['SOL'])).toEqual({ leave: ['SOL'], join: [] });
    expect(subscription.symbols()).toEqual([]);
    expect(subscription.mode).toBe('specific');
    expect(subscription.subscribe(['DOT'])).toEqual({ leave: [], join: ['DOT'] });
  });

  it('unsubscribe before any subscribe removes from the full set; the first subscribe still switches to exactly its set', () => {
    const subscription = new PriceSubscription();
    expect(subscription.unsubscribe(['BTC'])).toEqual({ leave: ['BTC'], join: [] });
    expect(subscription.mode).toBe('all');
    expect(subscription.has('BTC')).toBe(false);
    expect(subscription.symbols()).toHaveLength(19);
    const change = subscription.subscribe(['BTC', 'ETH']);
    expect(change.join).toEqual(['BTC']);
    expect(change.leave).toHaveLength(18);
    expect(subscription.symbols()).toEqual(['BTC', 'ETH']);
  });
});
