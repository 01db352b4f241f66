import type { Candle } from '@mdg/model';
import { FlatFiller, MAX_FLAT_FILL } from './flat-filler';

const T = 1_746_026_160_000;
const candle = (bucket: number, close: number): Candle => ({
  time: T + bucket * 1000,
  open: close,
  high: close,
  low: close,
  close,
  volume: 1,
  volumeUsd: 1,
  trades: 1,
  buys: 1,
  sells: 0,
});

describe('FlatFiller', () => {
  it('fills the quiet buckets before a candle from the last final, once, in order', () => {
    const sent: Candle[] = [];
    const filler = new FlatFiller(1, (flat) => sent.push(flat) > 0);
    expect(filler.before(T + 3000)).toBe(true); // no final yet: nothing to fill from
    filler.sent(candle(0, 5), false); // an open update is not a close to fill from
    filler.before(T + 3000);
    expect(sent).toEqual([]);
    filler.sent(candle(0, 5), true);
    filler.before(T + 1000); // the next bucket: no gap
    filler.before(T + 4000);
    expect(sent.map((flat) => [(flat.time - T) / 1000, flat.open, flat.close, flat.volume, flat.trades])).toEqual([
      [1, 5, 5, 0, 0],
      [2, 5, 5, 0, 0],
      [3, 5, 5, 0, 0],
    ]);
    filler.before(T + 4000); // the same candle again (its final after its updates): nothing more
    expect(sent).toHaveLength(3);
  });

  it('never fills across an unproven hole, and bounds a very long gap', () => {
    const sent: Candle[] = [];
    const filler = new FlatFiller(1, (flat) => sent.push(flat) > 0);
    filler.sent(candle(0, 5), true);
    filler.forget();
    filler.before(T + 5000);
    expect(sent).toEqual([]);
    filler.sent(candle(0, 5), true);
    filler.before(T + (MAX_FLAT_FILL + 10) * 1000);
    expect(sent).toHaveLength(MAX_FLAT_FILL);
    expect(sent[0]!.time).toBe(T + 10_000);
  });

  it('fills gaps inside a history answer from the previous close', () => {
    const filler = new FlatFiller(1, () => true);
    const filled = filler.fill([candle(0, 5), candle(1, 6), candle(4, 7)]);
    expect(filled.map((one) => [(one.time - T) / 1000, one.close, one.trades])).toEqual([
      [0, 5, 1],
      [1, 6, 1],
      [2, 6, 0],
      [3, 6, 0],
      [4, 7, 1],
    ]);
  });
});
