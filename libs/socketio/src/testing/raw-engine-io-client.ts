import type { Socket as NetSocket } from 'node:net';
import WebSocket from 'ws';

/**
 * A minimal Socket.IO v4 client speaking Engine.IO over a raw `ws` WebSocket, so a test can
 * stop reading at the TCP level (pause the socket) like a stalled consumer would.
 */
export class RawEngineIoClient {
  /** Socket.IO events received on the namespace, in order: [name, first argument]. */
  readonly events: Array<[string, unknown]> = [];
  readonly closed: Promise<number>;
  private readonly waiters = new Set<() => void>();

  private constructor(
    private readonly ws: WebSocket,
    private readonly namespace: string,
  ) {
    this.closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const text = (Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)).toString('utf8');
      if (text === '2') {
        ws.send('3'); // Engine.IO ping → pong
        return;
      }
      const prefix = `42${namespace},`;
      if (text.startsWith(prefix)) {
        const [name, payload] = JSON.parse(text.slice(prefix.length)) as [string, unknown];
        this.events.push([name, payload]);
      } else if (text.startsWith(`40${namespace},`) || text.startsWith(`44${namespace},`)) {
        this.events.push([text.startsWith('40') ? 'connect' : 'connect_error', JSON.parse(text.slice(namespace.length + 3))]);
      }
      for (const waiter of [...this.waiters]) waiter();
    });
  }

  /** Opens the WebSocket transport directly and joins `namespace` with `auth`; resolves once connected. */
  static async connect(port: number, namespace: string, auth: Record<string, unknown>): Promise<RawEngineIoClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
    const client = new RawEngineIoClient(ws, namespace);
    await new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      // The Engine.IO open packet ("0{...}") comes first; then the Socket.IO CONNECT can go.
      ws.once('message', () => {
        ws.off('error', reject);
        ws.send(`40${namespace},${JSON.stringify(auth)}`);
        resolve();
      });
    });
    await client.until(() => client.events.some(([name]) => name === 'connect' || name === 'connect_error'), 'the namespace CONNECT answer');
    if (!client.events.some(([name]) => name === 'connect')) throw new Error(`refused: ${JSON.stringify(client.events)}`);
    return client;
  }

  /** Stops reading from the TCP socket: the kernel buffers fill, then the server's. */
  pause(): void {
    this.tcp().pause();
  }

  resume(): void {
    this.tcp().resume();
  }

  close(): void {
    this.ws.terminate();
  }

  until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  private tcp(): NetSocket {
    // ws keeps the net.Socket as `_socket` (not typed): the only way to stop reading at the TCP level.
    return (this.ws as unknown as { _socket: NetSocket })._socket;
  }
}
