import { MarketEngine, type SeriesState, type TickerSlotState, type TickerState } from '@mdg/engine';
import { InstrumentRegistry, type CandleUpdate, type Trade } from '@mdg/model';
import type { EngineLease } from '../engine-lease';
import type { EngineCheckpoint, EngineStateStore } from '../engine-state-store';

/** One simulated engine process: its lease and its view of the shared state store. */
export interface EngineStateNode {
  readonly lease: EngineLease;
  readonly store: EngineStateStore;
}

/** Two engines on one shared backend (one table, one Redis prefix), starting empty. */
export interface EngineStateCluster {
  readonly nodes: readonly [EngineStateNode, EngineStateNode];
  close(): Promise<void>;
}

/** 2026-04-01T00:00:00Z */
const T0 = 1_775_001_600_000;
const M0 = T0 / 60_000;

function series(instrument: string, timeframe: number, close: number, finalizedThrough: number | null = null): SeriesState {
  const start = T0 - (T0 % (timeframe * 1000));
  return {
    instrument,
    timeframe,
    finalizedThrough,
    lastFinalClose: finalizedThrough === null ? null : close - 1,
    buckets: [
      {
        start,
        open: close - 1,
        high: close + 0.5,
        low: close - 1.25,
        close,
        openTime: start + 1,
        closeTime: start + 900,
        volume: 3.5,
        volumeUsd: 0.1 + 0.2,
        trades: 4,
        buys: 3,
        sells: 1,
      },
    ],
  };
}

function slot(minute: number, volumeUsd: number): TickerSlotState {
  const time = minute * 60_000;
  return { minute, volumeUsd, openPrice: 100 + (minute % 7), openTime: time + 5, closePrice: 101.125 + (minute % 5), closeTime: time + 59_000 };
}

function ticker(symbol: string, headMinute: number, evictedThrough: number | null, slots: TickerSlotState[], lastPrice = 101): TickerState {
  return { symbol, headMinute, evictedThrough, baselinePrice: evictedThrough === null ? null : 99.5, lastPrice, lastTime: headMinute * 60_000 + 30_000, slots };
}

/** A checkpoint in a canonical order (stores do not promise one across series or symbols). */
export function sortedCheckpoint(checkpoint: EngineCheckpoint): EngineCheckpoint {
  return {
    candles: [...checkpoint.candles].sort((x, y) => x.instrument.localeCompare(y.instrument) || x.timeframe - y.timeframe),
    tickers: [...checkpoint.tickers].sort((x, y) => x.symbol.localeCompare(y.symbol)),
  };
}

/** The behaviour every EngineStateStore implementation must have (with the matching EngineLease for fencing). */
export function describeEngineStateStoreContract(name: string, open: () => Promise<EngineStateCluster>): void {
  describe(`${name} satisfies the EngineStateStore contract`, () => {
    let cluster: EngineStateCluster;
    let a: EngineStateNode;
    let b: EngineStateNode;

    beforeEach(async () => {
      cluster = await open();
      [a, b] = cluster.nodes;
    });

    afterEach(async () => {
      await cluster.close();
    });

    it('loads nothing from an empty store', async () => {
      expect(await a.store.load()).toEqual({ candles: [], tickers: [] });
    });

    it('round-trips a checkpoint exactly, seen by every node', async () => {
      const epoch = (await a.lease.tryAcquire())!;
      const checkpoint: EngineCheckpoint = {
        candles: [series('BTC', 60, 100.1), series('BTC', 1, 100.3, T0 - 1000), series('So11111111111111111111111111111111111111112', 3600, 0.000123)],
        tickers: [ticker('BTC', M0, M0 - 1440, [slot(M0 - 2, 1e9 + 0.1), slot(M0, 12.5)]), ticker('ETH', M0, null, [])],
      };
      expect(await a.store.save(epoch, checkpoint)).toBe(true);
      expect(sortedCheckpoint(await b.store.load())).toEqual(sortedCheckpoint(checkpoint));
      expect(sortedCheckpoint(await a.store.load())).toEqual(sortedCheckpoint(checkpoint));
    });

    it('merges incremental checkpoints: latest per series, scalars replaced, slots merged per minute, evicted minutes dropped', async () => {
      const epoch = (await a.lease.tryAcquire())!;
      const m = M0;
      expect(
        await a.store.save(epoch, {
          candles: [series('BTC', 60, 100), series('ETH', 60, 2000)],
          tickers: [ticker('BTC', m, m - 10, [slot(m - 9, 1), slot(m - 8, 2), slot(m - 7, 3)]), ticker('ETH', m, m - 10, [slot(m - 5, 5)])],
        }),
      ).toBe(true);
      // Only what changed: BTC's 60 s series, one changed and one new BTC slot, two minutes evicted.
      expect(
        await a.store.save(epoch, {
          candles: [series('BTC', 60, 105, T0 - 60_000)],
          tickers: [ticker('BTC', m + 2, m - 8, [slot(m - 7, 30), slot(m + 2, 4)], 105)],
        }),
      ).toBe(true);
      expect(await a.store.save(epoch, { candles: [], tickers: [] })).toBe(true);
      expect(sortedCheckpoint(await b.store.load())).toEqual({
        candles: [series('BTC', 60, 105, T0 - 60_000), series('ETH', 60, 2000)],
        tickers: [ticker('BTC', m + 2, m - 8, [slot(m - 7, 30), slot(m + 2, 4)], 105), ticker('ETH', m, m - 10, [slot(m - 5, 5)])],
      });
    });

    it('drops slots at or below evictedThrough, whether they were stored before or arrive with the save', async () => {
      const epoch = (await a.lease.tryAcquire())!;
      const m = M0;
      await a.store.save(epoch, { candles: [], tickers: [ticker('BTC', m, null, [slot(m - 3, 1), slot(m - 2, 2), slot(m, 3)])] });
      await a.store.save(epoch, { candles: [], tickers: [ticker('BTC', m + 1, m - 2, [slot(m - 2, 20), slot(m + 1, 4)])] });
      expect((await a.store.load()).tickers).toEqual([ticker('BTC', m + 1, m - 2, [slot(m, 3), slot(m + 1, 4)])]);
      // A quiet day later everything stored so far is out of the window.
      await a.store.save(epoch, { candles: [], tickers: [ticker('BTC', m + 3000, m + 1560, [slot(m + 3000, 9)])] });
      expect((await a.store.load()).tickers).toEqual([ticker('BTC', m + 3000, m + 1560, [slot(m + 3000, 9)])]);
      // Evicting one minute at a time.
      for (let head = m + 3001; head <= m + 3003; head++) {
        await a.store.save(epoch, { candles: [], tickers: [ticker('BTC', head, head - 1440, [slot(head, head - m)])] });
      }
      await a.store.save(epoch, { candles: [], tickers: [ticker('BTC', m + 4441, m + 3001, [])] });
      expect((await a.store.load()).tickers).toEqual([ticker('BTC', m + 4441, m + 3001, [slot(m + 3002, 3002), slot(m + 3003, 3003)])]);
    });

    it('refuses a save with a stale epoch and changes nothing', async () => {
      const first = (await a.lease.tryAcquire())!;
      const saved: EngineCheckpoint = { candles: [series('BTC', 60, 100)], tickers: [ticker('BTC', M0, M0 - 1440, [slot(M0, 1)])] };
      expect(await a.store.save(first, saved)).toBe(true);
      await a.lease.release();
      // Nobody holds the lease: nobody may write.
      expect(await a.store.save(first, { candles: [series('BTC', 60, 1)], tickers: [] })).toBe(false);
      const second = (await b.lease.tryAcquire())!;
      expect(second).toBeGreaterThan(first);
      const late: EngineCheckpoint = {
        candles: [series('BTC', 60, 1), series('ETH', 60, 1)],
        tickers: [ticker('BTC', M0 + 5000, M0 + 3000, [slot(M0 + 5000, 7)], 1), ticker('SOL', M0, null, [slot(M0, 1)])],
      };
      expect(await a.store.save(first, late)).toBe(false);
      expect(await b.store.save(second + 1, late)).toBe(false);
      expect(await b.store.save(Number.NaN, late)).toBe(false);
      expect(sortedCheckpoint(await b.store.load())).toEqual(sortedCheckpoint(saved));
      expect(await b.store.save(second, { candles: [series('BTC', 60, 200)], tickers: [] })).toBe(true);
      expect((await a.store.load()).candles).toEqual([series('BTC', 60, 200)]);
    });

    it('lets a standby restored from the store continue exactly like the engine it replaces', async () => {
      const registry = new InstrumentRegistry();
      const options = { candles: { timeframes: [60, 300], graceMs: 500 }, ticker: { windowMs: 10 * 60_000 } };
      const owner = new MarketEngine(registry, options);
      const epoch = (await a.lease.tryAcquire())!;
      let now = T0;
      let id = 0;
      // 30 minutes of trades, a checkpoint after each publish cycle: the 10-minute window evicts minutes as it goes.
      for (let step = 0; step < 90; step++) {
        now += 20_000;
        for (const instrument of ['BTC', 'ETH']) {
          const trade: Trade = {
            instrument,
            price: 100 + (step % 13) + (instrument === 'ETH' ? 1000 : 0),
            size: 1 + (step % 3),
            side: step % 2 ? 'buy' : 'sell',
            time: now - (step % 4) * 1000,
            tradeId: `s${id++}`,
            source: 'contract',
          };
          owner.applyValidated(trade, now);
        }
        owner.collect(now);
        expect(await a.store.save(epoch, { candles: owner.candles.checkpoint(), tickers: owner.ticker.checkpoint() })).toBe(true);
      }
      const loaded = await b.store.load();
      for (const state of loaded.tickers) {
        expect(state.slots.length).toBeLessThanOrEqual(10);
        for (const one of state.slots) expect(one.minute).toBeGreaterThan(state.evictedThrough!);
      }
      const standby = new MarketEngine(registry, options);
      expect(standby.candles.restore(loaded.candles)).toEqual([]);
      expect(standby.ticker.restore(loaded.tickers)).toEqual([]);
      for (const at of [now, now + 4 * 60_000, now + 11 * 60_000]) {
        for (const symbol of ['BTC', 'ETH']) expect(standby.ticker.snapshot(symbol, at)).toEqual(owner.ticker.snapshot(symbol, at));
      }
      for (const instrument of ['BTC', 'ETH'])
        for (const timeframe of [60, 300]) expect(standby.candles.openCandles(instrument, timeframe)).toEqual(owner.candles.openCandles(instrument, timeframe));
      // Both emit the same finals from here on (the standby re-announces its open candles once,
      // unclosed). Order across streams is not part of the engine's contract.
      const later = now + 10 * 60_000;
      const finals = (updates: CandleUpdate[]) =>
        updates
          .filter((update) => update.closed)
          .sort((x, y) => x.instrument.localeCompare(y.instrument) || x.timeframe - y.timeframe || x.candle.time - y.candle.time);
      const expected = finals(owner.collect(later).candles);
      expect(expected.length).toBeGreaterThan(0);
      expect(finals(standby.collect(later).candles)).toEqual(expected);
    });
  });
}
