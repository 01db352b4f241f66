import type { Envelope } from '@mdg/bus';
import { SIMULATED_TOKENS } from '@mdg/feeds';
import { ERROR_CODES, InstrumentRegistry, type CandleUpdate } from '@mdg/model';
import { chartLiveErrors } from './chart-live-messages';
import { encodeChartEvent } from './encode-chart-event';
import { encodeHistoryEvent, encodeRecoveredChartEvent } from './encode-history-event';

describe('history messages', () => {
  const token = new InstrumentRegistry(SIMULATED_TOKENS).tokens()[0]!;
  const candle = { time: 1746026160000, open: 0.0000936, high: 0.0000936, low: 0.0000854, close: 0.0000866, volume: 2667017166926, volumeUsd: 233.23, trades: 6, buys: 3, sells: 3 };
  const envelope: Envelope<CandleUpdate> = { stream: 's', epoch: 1, seq: 9, payload: { instrument: token.id, timeframe: 60, candle, closed: true }, acceptedAt: 0, publishedAt: 0 };

  it('carries each candle exactly as a closed chart event does', () => {
    const history = JSON.parse(encodeHistoryEvent(token, 60, [candle], true));
    expect(history).toEqual({ event: 'history', tokenAddress: token.tokenAddress, timeframe: 60, candles: [JSON.parse(encodeChartEvent(token, envelope)).candle], complete: true });
    expect(JSON.parse(encodeHistoryEvent(token, 60, [], false))).toEqual({ event: 'history', tokenAddress: token.tokenAddress, timeframe: 60, candles: [], complete: false });
  });

  it('marks a recovered final as such, without a seq', () => {
    const chart = JSON.parse(encodeChartEvent(token, envelope));
    const { seq: _seq, ...withoutSeq } = chart;
    expect(JSON.parse(encodeRecoveredChartEvent(token, 60, candle))).toEqual({ ...withoutSeq, recovered: true });
  });

  it('uses registered codes for the history errors and names the gap', () => {
    const errors = [chartLiveErrors.invalidHistory('history', 0, 'must be an integer from 1 to 1000'), chartLiveErrors.historyUnavailable(), chartLiveErrors.historyGap('T', 1, 1000, 5000)];
    for (const error of errors) expect(Object.keys(ERROR_CODES)).toContain(error.code);
    expect(errors[2]!.message).toBe(
      'History gap: final 1s candles of T after 1970-01-01T00:00:01.000Z and before 1970-01-01T00:00:05.000Z could not be recovered and may be missing; resubscribe with "since" to check',
    );
    expect(chartLiveErrors.historyGap('T', 1, undefined, 5000).message).toContain('candles of T and before 1970-01-01T00:00:05.000Z');
  });
});
