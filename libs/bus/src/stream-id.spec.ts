import { candleStream, parseStream, priceStream } from './stream-id';
import { StreamSequencer } from './stream-sequencer';

describe('stream ids', () => {
  it('round-trip price and candle streams', () => {
    expect(parseStream(priceStream('BTC'))).toEqual({ kind: 'price', symbol: 'BTC' });
    const mint = 'J686bwJb99zXYUBZ8vcEE4u8QaAMHykChngPWrkR587n';
    expect(parseStream(candleStream(mint, 60))).toEqual({ kind: 'candle', instrument: mint, timeframe: 60 });
  });

  it.each(['', 'price', 'price:', 'candle:X', 'candle:X:0', 'candle:X:1.5', 'candle::60', 'other:BTC', 'price:BTC:1'])('rejects %j', (text) => {
    expect(parseStream(text)).toBeUndefined();
  });
});

describe('StreamSequencer', () => {
  it('counts per stream from 1 and resumes without repeating', () => {
    const sequencer = new StreamSequencer(3);
    expect([sequencer.next('a'), sequencer.next('a'), sequencer.next('b')]).toEqual([1, 2, 1]);
    sequencer.resume('a', 10);
    sequencer.resume('b', 0);
    expect([sequencer.next('a'), sequencer.next('b')]).toEqual([11, 2]);
    expect(sequencer.epoch).toBe(3);
  });
});
