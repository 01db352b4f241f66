import { RecentTradeKeys } from './recent-trade-keys';
import { tradeKey } from './trade-key';

describe('RecentTradeKeys', () => {
  const t = (source: string, instrument: string, tradeId: string): { source: string; instrument: string; tradeId: string } => ({ source, instrument, tradeId });

  it('reports the first sighting of (source, instrument, tradeId) only', () => {
    const keys = new RecentTradeKeys(10);
    expect(keys.firstSighting(t('raydium', 'M', '1'))).toBe(true);
    expect(keys.firstSighting(t('raydium', 'M', '1'))).toBe(false);
    expect(keys.firstSighting(t('orca', 'M', '1'))).toBe(true);
    expect(keys.firstSighting(t('raydium', 'N', '1'))).toBe(true);
    expect(keys.has(t('orca', 'M', '1'))).toBe(true);
  });

  it('cannot be fooled by separators inside the parts', () => {
    expect(tradeKey(t('a","b', 'c', 'd'))).not.toBe(tradeKey(t('a', 'b","c', 'd')));
    expect(tradeKey(t('a\u001fb', 'c', 'd'))).not.toBe(tradeKey(t('a', 'b\u001fc', 'd')));
  });

  it('forgets the oldest identity past its capacity, so memory stays bounded', () => {
    const keys = new RecentTradeKeys(3);
    for (const id of ['1', '2', '3', '4']) keys.firstSighting(t('s', 'M', id));
    expect(keys.size).toBe(3);
    expect(keys.has(t('s', 'M', '1'))).toBe(false);
    expect(keys.firstSighting(t('s', 'M', '4'))).toBe(false);
    expect(keys.firstSighting(t('s', 'M', '1'))).toBe(true);
    expect(() => new RecentTradeKeys(0)).toThrow(RangeError);
  });
});
