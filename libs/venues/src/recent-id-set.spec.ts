import { RecentIdSet } from './recent-id-set';

describe('RecentIdSet', () => {
  it('reports first sightings and forgets the oldest id beyond its capacity', () => {
    const ids = new RecentIdSet(3);
    expect(['a', 'b', 'a', 'c'].map((id) => ids.add(id))).toEqual([true, true, false, true]);
    expect(ids.add('d')).toBe(true); // evicts 'a'
    expect(ids.size).toBe(3);
    expect(ids.has('a')).toBe(false);
    expect(ids.add('b')).toBe(false);
    expect(ids.add('a')).toBe(true);
  });

  it('keeps memory flat over a long run', () => {
    const ids = new RecentIdSet(100);
    for (let i = 0; i < 10_000; i++) ids.add(String(i));
    expect(ids.size).toBe(100);
    expect(ids.has('9999')).toBe(true);
    expect(ids.has('9899')).toBe(false);
  });

  it('capacity 0 disables dedup', () => {
    const ids = new RecentIdSet(0);
    expect([ids.add('a'), ids.add('a')]).toEqual([true, true]);
    expect(() => new RecentIdSet(-1)).toThrow(RangeError);
  });
});
