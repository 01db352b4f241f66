import { App, us_listen_socket_close, us_socket_local_port, type WebSocket as UwsSocket } from 'uWebSockets.js';
import { TestClient } from './testing/test-client';

/**
 * Pins the uWS (v20.30) behaviour CHART_LIVE_ANCHOR_TOPIC works around: a message published
 * to a socket's topic is queued, and leaving the socket's LAST topic before the queue is
 * written drops it silently. With another topic held, it is delivered. If this spec starts
 * failing on the first expectation after a uWS upgrade, the anchor topic can go.
 */
describe('uWS topics (behaviour the endpoint relies on)', () => {
  async function publishThenLeave(holdAnchor: boolean): Promise<string[]> {
    let server: UwsSocket<unknown> | undefined;
    const app = App().ws('/x', {
      idleTimeout: 0,
      open: (ws) => {
        server = ws;
        ws.subscribe('stream');
        if (holdAnchor) ws.subscribe('anchor');
      },
    });
    const listenSocket = await new Promise<unknown>((resolve, reject) =>
      app.listen('127.0.0.1', 0, (socket) => (socket ? resolve(socket) : reject(new Error('no listen')))),
    );
    const client = await TestClient.open(`ws://127.0.0.1:${us_socket_local_port(listenSocket as never)}/x`);
    await new Promise((resolve) => setTimeout(resolve, 20)); // open has run on the server
    app.publish('stream', 'queued', false);
    server?.unsubscribe('stream');
    server?.cork(() => server?.send('after', false));
    await client.until(() => client.texts.includes('after'), 5000, 'the direct message');
    await client.close();
    us_listen_socket_close(listenSocket as never);
    return client.texts;
  }

  it('drops queued topic messages when a socket leaves its last topic', async () => {
    expect(await publishThenLeave(false)).toEqual(['after']);
  });

  it('delivers them, in order, when the socket still holds another topic', async () => {
    expect(await publishThenLeave(true)).toEqual(['queued', 'after']);
  });
});
