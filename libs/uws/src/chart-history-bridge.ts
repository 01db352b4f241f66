import type { HistorySeam, HistoryService, SeamOutput } from '@mdg/history';
import type { Timeframe, TokenInstrument } from '@mdg/model';
import { chartLiveErrors, type ChartLiveError, type RequestId } from '@mdg/protocol';
import type { CandleEnvelope } from './chart-stream';
import { encodeHistoryEvent, encodeRecoveredChartEvent } from '@mdg/protocol';
import type { FlatFiller } from './flat-filler';

/** What the endpoint lends a bridge: its own ways of sending on the session. */
export interface ChartHistoryBridgeHost {
  /** Sends a candle event (history, live, recovered); false once the session is closed. */
  sendChart(data: string | Buffer): boolean;
  sendError(error: ChartLiveError, id: RequestId | undefined): void;
  /** The stream's cached encoding of a live envelope (encoded once for every recipient). */
  encode(envelope: CandleEnvelope): Buffer;
  /** Runs sends corked (they come from timers and hub listeners, not uWS callbacks). */
  corked(work: () => void): void;
  /** With `"flat": true`: fills quiet buckets in what the bridge sends; the stream takes it over at goLive. */
  readonly flat?: FlatFiller;
  /** With `"closedOnly": true`: only finals go out; the stream takes the member over at goLive. */
  readonly closedOnly?: boolean;
  /** The seam is settled: deliver the stream's live envelopes the usual way (the topic) from now on. */
  goLive(bridge: ChartHistoryBridge): void;
}

/**
 * One subscription with `"history"` / `"since"` on its way to live: connects the endpoint to a
 * HistorySeam. Until the seam settles the session is not on the stream's topic; the endpoint
 * pushes each live envelope here and this sends, in order, what the seam emits: the `history`
 * event, live events, recovered finals, a HISTORY_GAP error when the seam cannot be proven.
 * On `settled` the endpoint puts the session on the topic, after the current publish (so the
 * envelope that settled the seam is not delivered twice).
 */
export class ChartHistoryBridge {
  private readonly seam: HistorySeam<CandleEnvelope>;
  private readonly since: number | undefined;

  constructor(
    service: HistoryService,
    private readonly token: TokenInstrument,
    private readonly timeframe: Timeframe,
    request: { history?: number; since?: number },
    private readonly id: RequestId | undefined,
    private readonly host: ChartHistoryBridgeHost,
  ) {
    this.since = request.since;
    this.seam = service.open<CandleEnvelope>({ instrument: token.id, timeframe, history: request.history, since: request.since }, (outputs) =>
      this.deliver(outputs),
    );
  }

  push(envelope: CandleEnvelope): void {
    this.seam.push(envelope.payload, envelope);
  }

  /**
   * The stream has no live state yet. A plain history answer goes out without waiting for one; a
   * resume (`since`) needs the first live update to prove its junction (a stream with no state
   * is typically an engine that just restarted and publishes within moments), so it waits for
   * it, at most the seam timeout.
   */
  noLiveState(): void {
    if (this.since === undefined) this.seam.noLiveState();
  }

  cancel(): void {
    this.seam.cancel();
  }

  private deliver(outputs: readonly SeamOutput<CandleEnvelope>[]): void {
    this.host.corked(() => {
      for (const output of outputs) {
        if (!this.send(output)) return;
      }
    });
  }

  /** False when the session is gone (nothing more to send). */
  private send(output: SeamOutput<CandleEnvelope>): boolean {
    switch (output.kind) {
      case 'history': {
        const flat = this.host.flat;
        // Holes in an answer that is not complete may be lost finals: only a complete one is filled.
        const candles = flat !== undefined && output.complete ? flat.fill(output.candles) : output.candles;
        const last = candles.at(-1);
        if (flat !== undefined && last !== undefined) flat.sent(last, true);
        return this.host.sendChart(encodeHistoryEvent(this.token, this.timeframe, candles, output.complete));
      }
      case 'live': {
        const { candle, closed } = output.item.payload;
        if (this.host.closedOnly === true && !closed) return true;
        if (this.host.flat !== undefined && !this.host.flat.before(candle.time)) return false;
        if (!this.host.sendChart(this.host.encode(output.item))) return false;
        this.host.flat?.sent(candle, closed);
        return true;
      }
      case 'recovered':
        if (this.host.flat !== undefined && !this.host.flat.before(output.candle.time)) return false;
        this.host.flat?.sent(output.candle, true);
        return this.host.sendChart(encodeRecoveredChartEvent(this.token, this.timeframe, output.candle));
      case 'gap':
        this.host.flat?.forget();
        this.host.sendError(chartLiveErrors.historyGap(this.token.tokenAddress, this.timeframe, output.after, output.before), this.id);
        return true;
      case 'settled':
        // Deferred: this may run inside the hub listener, before the envelope's topic publish.
        queueMicrotask(() => this.host.goLive(this));
        return true;
    }
  }
}
