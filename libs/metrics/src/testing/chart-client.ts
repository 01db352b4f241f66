import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { frameText } from '@mdg/testing';

/**
 * A message from /ws/chart-live as the specs use it: picked by `type` (connected,
 * subscriptionConfirmed, error, with its `code`) or `event` (chart); the rest of it is
 * checked with expect.
 */
export interface ChartMessage {
  type?: string;
  event?: string;
  code?: string;
  [field: string]: unknown;
}

/**
 * A `ws` client of /ws/chart-live for the specs: keeps every text received, waits for
 * conditions with a timeout, and can stop reading at the TCP level (a slow consumer).
 */
export class ChartClient {
  readonly texts: string[] = [];
  readonly closed: Promise<number>;
  private closeCode: number | undefined;
  private readonly wakers = new Set<() => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.texts.push(frameText(data));
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code) => {
        this.closeCode = code;
        resolve(code);
        this.wake();
      });
    });
  }

  static open(url: string, headers: Record<string, string>): Promise<ChartClient> {
    const socket = new WebSocket(url, { headers });
    const client = new ChartClient(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  /** Parsed messages received so far. */
  messages(): ChartMessage[] {
    return this.texts.map((text) => JSON.parse(text) as ChartMessage);
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Resolves once `condition` holds on what was received; rejects on timeout (or a close that ends the wait). */
  until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.wakers.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; received ${JSON.stringify(this.texts.slice(-5))}`));
      }, timeoutMs);
      const check = (): void => {
        if (!condition() && this.closeCode === undefined) return;
        clearTimeout(timer);
        this.wakers.delete(check);
        if (condition()) resolve();
        else reject(new Error(`closed (${this.closeCode}) while waiting for ${what}`));
      };
      this.wakers.add(check);
    });
  }

  /** Waits for a message whose JSON matches `predicate`, then returns it. */
  async next(predicate: (message: ChartMessage) => boolean, what: string, timeoutMs = 5000): Promise<ChartMessage> {
    const found = (): ChartMessage | undefined => this.messages().find(predicate);
    await this.until(() => found() !== undefined, what, timeoutMs);
    return found()!;
  }

  /** Stops reading from the TCP socket: the server's send buffer fills up. */
  pause(): void {
    this.tcp()?.pause();
  }

  resume(): void {
    this.tcp()?.resume();
  }

  /** Closes (if still open) and waits for the close. */
  async close(): Promise<number> {
    if (this.closeCode !== undefined) return this.closeCode;
    // A paused socket would never read the close handshake.
    this.tcp()?.resume();
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close(1000);
    else this.socket.terminate();
    return this.closed;
  }

  private tcp(): Socket | null {
    // ws keeps the net.Socket as `_socket` (untyped): the only way to stop reading at the TCP level.
    return (this.socket as unknown as { _socket: Socket | null })._socket;
  }

  private wake(): void {
    for (const waker of [...this.wakers]) waker();
  }
}
