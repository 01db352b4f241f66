import { ERROR_CODES, type CandleUpdate } from '@mdg/model';
import { chartLiveErrors } from './chart-live-messages';
import { encodeChartEvent } from './encode-chart-event';
import { encodeHistoryEvent, encodeRecoveredChartEvent } from './encode-history-event';
import { EXAMPLE_CANDLE, EXAMPLE_TOKEN } from './testing/protocol-examples';

describe('history messages', () => {
  const token = EXAMPLE_TOKEN;
  const candle = EXAMPLE_CANDLE;
  const final: CandleUpdate = { instrument: token.id, timeframe: 60, candle, closed: true };

  it('carries each candle exactly as a closed chart event does', () => {
    const history = JSON.parse(encodeHistoryEvent(token, 60, [candle], true));
    expect(history).toEqual({
      event: 'history',
      tokenAddress: token.tokenAddress,
      timeframe: 60,
      candles: [JSON.parse(encodeChartEvent(token, final, { seq: 9, epoch: 1 })).candle],
      complete: true,
    });
    expect(JSON.parse(encodeHistoryEvent(token, 60, [], false))).toEqual({
      event: 'history',
      tokenAddress: token.tokenAddress,
      timeframe: 60,
      candles: [],
      complete: false,
    });
  });

  it('marks a recovered final as such, without a seq or epoch', () => {
    const withoutSeq = JSON.parse(encodeChartEvent(token, final, { seq: 9, epoch: 1 })) as Record<string, unknown>;
    delete withoutSeq['seq'];
    delete withoutSeq['epoch'];
    expect(JSON.parse(encodeRecoveredChartEvent(token, 60, candle))).toEqual({ ...withoutSeq, recovered: true });
  });

  it('uses registered codes for the history errors and names the gap', () => {
    const errors = [
      chartLiveErrors.invalidHistory('history', 0, 'must be an integer from 1 to 1000'),
      chartLiveErrors.historyUnavailable(),
      chartLiveErrors.historyGap('T', 1, 1000, 5000),
    ];
    for (const error of errors) expect(Object.keys(ERROR_CODES)).toContain(error.code);
    expect(errors[2]!.message).toBe(
      'History gap: final 1s candles of T after 1970-01-01T00:00:01.000Z and before 1970-01-01T00:00:05.000Z could not be recovered and may be missing; resubscribe with "since" to check',
    );
    expect(chartLiveErrors.historyGap('T', 1, undefined, 5000).message).toContain('candles of T and before 1970-01-01T00:00:05.000Z');
  });
});
