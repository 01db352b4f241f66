import type { IntervalTimer } from '@mdg/feeds';
import type { Socket } from 'socket.io';
import { bufferedBytes } from './engine-connection';

export interface SlowClientSweepOptions {
  /** A client with more than this buffered at a check is closed. */
  hardBackpressureBytes: number;
  slowCheckIntervalMs: number;
  timer: IntervalTimer;
}

/**
 * uWS buffers at most `maxBackpressure` per client and silently drops past it (Socket.IO
 * cannot see that); this periodic check closes any client holding more than
 * `hardBackpressureBytes` before that happens. A transport close, not a Socket.IO disconnect:
 * the stock client reconnects by itself (and gets fresh `initial-prices`).
 */
export class SlowClientSweep {
  /** Gauge: the largest per-connection buffered byte count seen at the last check. */
  largestBufferedBytes = 0;
  private cancel: (() => void) | undefined;

  constructor(
    private readonly options: SlowClientSweepOptions,
    private readonly sockets: () => Iterable<Socket>,
    private readonly onSlowClose: () => void,
  ) {}

  start(): void {
    this.cancel ??= this.options.timer.every(this.options.slowCheckIntervalMs, () => this.sweep());
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  private sweep(): void {
    let largest = 0;
    for (const socket of [...this.sockets()]) {
      const conn = socket.conn;
      if (conn.readyState !== 'open') continue;
      const buffered = bufferedBytes(conn);
      if (buffered > largest) largest = buffered;
      if (buffered <= this.options.hardBackpressureBytes) continue;
      this.onSlowClose();
      conn.close(true);
    }
    this.largestBufferedBytes = largest;
  }
}
