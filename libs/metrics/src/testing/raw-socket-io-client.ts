import type { Socket as NetSocket } from 'node:net';
import WebSocket from 'ws';
import { frameText } from '@mdg/testing';

/**
 * Just enough of a Socket.IO v4 client over a raw `ws` WebSocket to join `/api-ws` and then
 * stop reading at the TCP level, like a stalled consumer (the stock client cannot be paused).
 */
export class RawSocketIoClient {
  readonly closed: Promise<number>;

  private constructor(private readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
    ws.on('message', (data) => {
      // Engine.IO ping → pong, or the server would close it for silence rather than slowness.
      if (frameText(data) === '2') ws.send('3');
    });
  }

  /** Opens the WebSocket transport, joins `/api-ws` with the key; resolves once connected, rejects on a refusal. */
  static async connect(port: number, apiKey: string): Promise<RawSocketIoClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
    const client = new RawSocketIoClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      ws.on('message', function answer(data) {
        const text = frameText(data);
        if (text.startsWith('0')) ws.send(`40/api-ws,${JSON.stringify({ apiKey })}`);
        else if (text.startsWith('40/api-ws,')) {
          ws.off('message', answer);
          resolve();
        } else if (text.startsWith('44/api-ws,')) reject(new Error(`refused: ${text}`));
      });
    });
    return client;
  }

  /** Drops the connection at once (no-op once closed). */
  terminate(): void {
    this.ws.terminate();
  }

  pause(): void {
    this.tcp().pause();
  }

  resume(): void {
    this.tcp().resume();
  }

  private tcp(): NetSocket {
    // ws keeps the net.Socket as `_socket` (untyped): the only way to stop reading at the TCP level.
    return (this.ws as unknown as { _socket: NetSocket })._socket;
  }
}
