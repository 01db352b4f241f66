import { isAfter, type Envelope } from '@mdg/bus';
import { WRAPPED_SOL_MINT, type CandleUpdate, type TokenInstrument } from '@mdg/model';
import { ChartStream } from './chart-stream';

const token: TokenInstrument = { kind: 'token', id: 'T', tokenAddress: 'T', quoteToken: WRAPPED_SOL_MINT, decimals: 6, symbol: 'TT' };

function env(seq: number, closed = false, epoch = 1): Envelope<CandleUpdate> {
  return {
    stream: 'candle:T:1',
    epoch,
    seq,
    payload: {
      instrument: 'T',
      timeframe: 1,
      candle: { time: seq * 1000, open: 1, high: 1, low: 1, close: 1, volume: 1, volumeUsd: 1, trades: 1, buys: 1, sells: 0 },
      closed,
    },
    acceptedAt: 0,
    publishedAt: 0,
  };
}

/** seq 1..n, every `finalEvery`-th closed. */
function fill(stream: ChartStream, n: number, finalEvery: number, epoch = 1): Envelope<CandleUpdate>[] {
  const all = [];
  for (let seq = 1; seq <= n; seq++) {
    const envelope = env(seq, seq % finalEvery === 0, epoch);
    stream.record(envelope);
    all.push(envelope);
  }
  return all;
}

const seqs = (envelopes: readonly Envelope[]): number[] => envelopes.map((envelope) => envelope.seq);

describe('ChartStream', () => {
  it('orders positions by epoch, then seq', () => {
    expect(isAfter({ epoch: 1, seq: 5 }, { epoch: 1, seq: 4 })).toBe(true);
    expect(isAfter({ epoch: 1, seq: 4 }, { epoch: 1, seq: 4 })).toBe(false);
    expect(isAfter({ epoch: 2, seq: 1 }, { epoch: 1, seq: 99 })).toBe(true);
    expect(isAfter({ epoch: 1, seq: 99 }, { epoch: 2, seq: 1 })).toBe(false);
  });

  it('has nothing to catch up when the client is current, or nothing was published', () => {
    const stream = new ChartStream('candle:T:1', 'topic', token, 1, 8);
    expect(stream.catchUp(undefined, undefined)).toEqual({ envelopes: [], conflated: 0 });
    fill(stream, 5, 3);
    expect(stream.catchUp({ epoch: 1, seq: 5 }, [])).toEqual({ envelopes: [], conflated: 0 });
    expect(stream.position()).toEqual({ epoch: 1, seq: 5 });
  });

  it('sends every missed final from the hub window, then only the latest open candle', () => {
    const stream = new ChartStream('candle:T:1', 'topic', token, 1, 8);
    const all = fill(stream, 20, 5);
    const result = stream.catchUp({ epoch: 1, seq: 3 }, all.slice(3));
    expect(seqs(result.envelopes)).toEqual([5, 10, 15, 20]);
    expect(result.conflated).toBe(17 - 4);
    // With an open candle after the last final, that candle ends the catch-up.
    const withOpen = new ChartStream('candle:T:1', 'topic', token, 1, 8);
    const more = fill(withOpen, 22, 5);
    expect(seqs(withOpen.catchUp({ epoch: 1, seq: 3 }, more.slice(3)).envelopes)).toEqual([5, 10, 15, 20, 22]);
  });

  it('falls back to its own ring of finals when the hub window does not reach back', () => {
    const stream = new ChartStream('candle:T:1', 'topic', token, 1, 4);
    fill(stream, 103, 10);
    // Ring holds finals 70, 80, 90, 100; 10..60 were evicted.
    expect(stream.keptFinals).toBe(4);
    expect(stream.coversFinalsAfter({ epoch: 1, seq: 65 })).toBe(true);
    expect(stream.coversFinalsAfter({ epoch: 1, seq: 55 })).toBe(false);
    const covered = stream.catchUp({ epoch: 1, seq: 65 }, undefined);
    expect(seqs(covered.envelopes)).toEqual([70, 80, 90, 100, 103]);
    expect(covered.conflated).toBe(103 - 65 - 5);
    expect(seqs(stream.catchUp({ epoch: 1, seq: 55 }, undefined).envelopes)).toEqual([70, 80, 90, 100, 103]);
  });

  it('ends with the latest envelope exactly once, also when it is a final', () => {
    const stream = new ChartStream('candle:T:1', 'topic', token, 1, 8);
    const all = fill(stream, 10, 5);
    expect(seqs(stream.catchUp({ epoch: 1, seq: 2 }, all.slice(2)).envelopes)).toEqual([5, 10]);
    expect(seqs(stream.catchUp({ epoch: 1, seq: 2 }, undefined).envelopes)).toEqual([5, 10]);
  });

  it('catches up a client with no position (it joined before anything was published)', () => {
    const stream = new ChartStream('candle:T:1', 'topic', token, 1, 8);
    fill(stream, 12, 5);
    const result = stream.catchUp(undefined, undefined);
    expect(seqs(result.envelopes)).toEqual([5, 10, 12]);
    expect(result.conflated).toBe(0); // not countable without a position
  });

  it('crosses an epoch change without sending anything older than the client has', () => {
    const stream = new ChartStream('candle:T:1', 'topic', token, 1, 8);
    fill(stream, 10, 5, 1);
    stream.record(env(11, false, 2));
    stream.record(env(12, true, 2));
    stream.record(env(13, false, 2));
    expect(seqs(stream.catchUp({ epoch: 1, seq: 7 }, undefined).envelopes)).toEqual([10, 12, 13]);
  });

  it('ignores non-candle envelopes the hub may hold', () => {
    const stream = new ChartStream('candle:T:1', 'topic', token, 1, 8);
    const all = fill(stream, 6, 5);
    const strange: Envelope = { ...env(4), payload: { nope: true } };
    expect(seqs(stream.catchUp({ epoch: 1, seq: 3 }, [strange, ...all.slice(4)]).envelopes)).toEqual([5, 6]);
  });
});
