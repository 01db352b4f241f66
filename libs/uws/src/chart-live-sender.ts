import type { ChartLiveError, RequestId } from '@mdg/protocol';
import { errorMessage } from '@mdg/protocol';
import type { ChartLiveSession } from './chart-live-session';
import type { ChartLiveEvent, ChartLiveTrafficCounters } from './chart-live-stats';
import { CLOSE_REASONS, type CloseCode } from '@mdg/protocol';

export interface ChartLiveSenderHooks {
  /** Buffered bytes above which a connection is closed as a slow consumer. */
  hardBackpressureBytes: number;
  /** The connection went over the hard limit (or uWS dropped a send): close it as a slow consumer. */
  onOverHardLimit(session: ChartLiveSession): void;
  /** The server is closing this connection with `code` (counted, then the session is forgotten). */
  onServerClose(session: ChartLiveSession, code: CloseCode): void;
}

/**
 * Every write to a `/ws/chart-live` socket: sends with their counters, errors, closes and
 * corking. It never lets uWS drop silently: a send over the hard limit closes the client.
 */
export class ChartLiveSender {
  readonly counters: ChartLiveTrafficCounters = { messagesSent: 0, bytesSent: 0, chartMessages: 0, chartBytes: 0, errors: {}, peakBufferedBytes: 0 };

  constructor(private readonly hooks: ChartLiveSenderHooks) {}

  /** Sends one text frame; false when the session is (now) closed. */
  send(session: ChartLiveSession, data: string | Buffer, event: ChartLiveEvent = 'control'): boolean {
    const ws = session.ws;
    if (session.closed || ws === undefined) return false;
    const status = ws.send(data, false);
    // 2 = dropped: over uWS's maxBackpressure, which our hard limit should have prevented.
    if (status === 2) {
      this.hooks.onOverHardLimit(session);
      return false;
    }
    const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    this.countSent(1, bytes, event);
    if (this.observeBuffer(ws.getBufferedAmount()) > this.hooks.hardBackpressureBytes) {
      this.hooks.onOverHardLimit(session);
      return false;
    }
    return true;
  }

  /** Counts messages handed to sockets outside `send` (one publish to `recipients`). */
  countSent(recipients: number, bytesEach: number, event: ChartLiveEvent): void {
    const counters = this.counters;
    counters.messagesSent += recipients;
    counters.bytesSent += recipients * bytesEach;
    if (event === 'chart') {
      counters.chartMessages += recipients;
      counters.chartBytes += recipients * bytesEach;
    }
  }

  /** Records a buffer size seen (stats: the peak); returns it. */
  observeBuffer(buffered: number): number {
    if (buffered > this.counters.peakBufferedBytes) this.counters.peakBufferedBytes = buffered;
    return buffered;
  }

  sendError(session: ChartLiveSession, error: ChartLiveError, id?: RequestId): void {
    this.counters.errors[error.code] = (this.counters.errors[error.code] ?? 0) + 1;
    this.send(session, errorMessage(error, id));
  }

  /** The error (if any), then the close: PROTOCOL.md's order for authentication failures. */
  refuse(session: ChartLiveSession, error: ChartLiveError | undefined, code: CloseCode): void {
    if (error !== undefined) this.sendError(session, error);
    this.close(session, code);
  }

  /** Closes with a code and the standard reason; uWS runs the close handler at once. */
  close(session: ChartLiveSession, code: CloseCode): void {
    const ws = session.ws;
    if (session.closed || ws === undefined) return;
    ws.end(code, CLOSE_REASONS[code]);
    this.hooks.onServerClose(session, code);
  }

  /** Sends from outside uWS callbacks (timers, hub listeners, promises) are corked into one syscall. */
  corked(session: ChartLiveSession, work: () => void): void {
    if (session.closed || session.ws === undefined) return;
    session.ws.cork(work);
  }
}
