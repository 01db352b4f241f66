import type { Socket } from 'node:net';
import WebSocket from 'ws';

/** Arbitrary server JSON as specs inspect it: named once, so the one `any` is deliberate and documented. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- specs read fields of whatever the server sent
export type ServerJson = any;

export interface ClientClose {
  code: number;
  reason: string;
}

/**
 * A real `ws` client for the specs: buffers every text it receives, reads them in order with
 * timeouts, and exposes its TCP socket so a spec can stop reading (a slow consumer).
 */
export class TestClient {
  /** Every text received, in order. */
  readonly texts: string[] = [];
  readonly closed: Promise<ClientClose>;
  private readIndex = 0;
  private closeInfo: ClientClose | undefined;
  private readonly wakers = new Set<() => void>();

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      const text = (Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)).toString('utf8');
      this.texts.push(isBinary ? `<binary ${text}>` : text);
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
        this.wake();
      });
    });
  }

  /** Opens a connection; resolves once the WebSocket handshake is done. */
  static open(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
    const socket = new WebSocket(url, { headers });
    const client = new TestClient(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.closeInfo !== undefined;
  }

  /** The next unread text. */
  async next(timeoutMs = 5000): Promise<string> {
    await this.until(() => this.readIndex < this.texts.length, timeoutMs, 'a message');
    return this.texts[this.readIndex++] as string;
  }

  /** The next unread text, parsed. */
  async nextJson(timeoutMs = 5000): Promise<ServerJson> {
    return JSON.parse(await this.next(timeoutMs));
  }

  /** Waits until `condition` holds (checked on every message and on close). */
  async until(condition: () => boolean, timeoutMs = 5000, what = 'a condition'): Promise<void> {
    if (condition()) return;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (condition()) {
          finish();
          resolve();
        } else if (this.closeInfo !== undefined) {
          finish();
          reject(new Error(`connection closed (${this.closeInfo.code} ${this.closeInfo.reason}) while waiting for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.wakers.delete(check);
      };
      this.wakers.add(check);
    });
  }

  /** Number of texts not read yet. */
  get unread(): number {
    return this.texts.length - this.readIndex;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Stops reading from the TCP socket: the server's send buffer fills up. */
  pause(): void {
    this.tcp().pause();
  }

  resume(): void {
    this.tcp().resume();
  }

  /** Closes (if still open) and waits for the close. */
  async close(): Promise<ClientClose> {
    // A paused socket would never read the close handshake.
    if (this.closeInfo === undefined) (this.socket as unknown as { _socket: Socket | null })._socket?.resume();
    if (this.closeInfo === undefined && this.socket.readyState === WebSocket.OPEN) this.socket.close(1000);
    else if (this.closeInfo === undefined && this.socket.readyState === WebSocket.CONNECTING) this.socket.terminate();
    return this.closed;
  }

  private tcp(): Socket {
    const tcp = (this.socket as unknown as { _socket: Socket | null })._socket;
    if (tcp === null) throw new Error('the WebSocket has no TCP socket (closed)');
    return tcp;
  }

  private wake(): void {
    for (const waker of [...this.wakers]) waker();
  }
}
