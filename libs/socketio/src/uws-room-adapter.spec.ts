import { Server } from 'socket.io';
import { io, type Socket as ClientSocket } from 'socket.io-client';
import * as uWS from 'uWebSockets.js';
import { connected, GatewayHarness, nextEvent, UpdateLog } from './testing/gateway-harness';
import { UwsRoomAdapter, type BroadcastCounters } from './uws-room-adapter';
import { eventually } from '@mdg/testing';

describe('UwsRoomAdapter', () => {
  describe('on a bare Socket.IO server over uWS', () => {
    let app: uWS.TemplatedApp;
    let server: Server;
    let listenSocket: uWS.us_listen_socket | undefined;
    let port = 0;
    let counters: BroadcastCounters;
    const clients: ClientSocket[] = [];

    beforeEach(async () => {
      app = uWS.App();
      counters = { fastPath: 0, slowPath: 0, recipients: 0, bytes: 0 };
      server = new Server({ adapter: UwsRoomAdapter.bindTo(app, counters), serveClient: false });
      server.attachApp(app);
      server.of('/rooms').on('connection', (socket) => {
        void socket.join(socket.handshake.auth['rooms'] as string[]);
        socket.emit('joined');
      });
      await new Promise<void>((resolve, reject) =>
        app.listen('127.0.0.1', 0, (socket) => {
          if (socket === false) return reject(new Error('cannot listen'));
          listenSocket = socket;
          port = uWS.us_socket_local_port(socket);
          resolve();
        }),
      );
    });

    afterEach(async () => {
      for (const client of clients.splice(0)) client.close();
      await server.close();
      if (listenSocket !== undefined) uWS.us_listen_socket_close(listenSocket);
    });

    /** A client in `rooms`, recording every `m` it receives. */
    async function join(rooms: string[], transports?: string[]): Promise<{ client: ClientSocket; got: unknown[] }> {
      const client = io(`http://127.0.0.1:${port}/rooms`, { auth: { rooms }, reconnection: false, forceNew: true, ...(transports ? { transports } : {}) });
      clients.push(client);
      const got: unknown[] = [];
      client.on('m', (value: unknown) => got.push(value));
      const joined = nextEvent(client, 'joined');
      await connected(client);
      await joined;
      if (transports === undefined && client.io.engine.transport.name !== 'websocket')
        await new Promise((resolve) => client.io.engine.once('upgrade', resolve));
      return { client, got };
    }

    it('delivers each broadcast exactly once to WebSocket, long-polling and upgraded clients, on the right path', async () => {
      const a = await join(['a'], ['websocket']);
      const b = await join(['a', 'b'], ['polling']);
      const c = await join(['b'], ['websocket']);
      const d = await join(['a']); // default: polling, then upgrade (awaited)
      const nsp = server.of('/rooms');

      nsp.to('a').emit('m', 1); // fast
      nsp.to(['a', 'b']).emit('m', 2); // slow: several rooms
      nsp.except('b').emit('m', 3); // slow: exception
      nsp.emit('m', 4); // fast: namespace topic
      const serverSideA = nsp.sockets.get(a.client.id!);
      void serverSideA!.leave('a');
      nsp.to('a').emit('m', 5); // fast, a no longer in it
      nsp.to(c.client.id!).emit('m', 6); // fast: a socket's own room
      nsp.emit('m', 'end');

      await eventually(() => [a, b, c, d].every(({ got }) => got.includes('end')), { what: 'every client to get the end marker' });
      expect(a.got).toEqual([1, 2, 3, 4, 'end']);
      expect(b.got).toEqual([1, 2, 4, 5, 'end']);
      expect(c.got).toEqual([2, 4, 6, 'end']);
      expect(d.got).toEqual([1, 2, 3, 4, 5, 'end']);
      expect(counters).toMatchObject({ fastPath: 5, slowPath: 2 });
    });

    it('stops publishing to a socket that left the namespace while its connection stays open', async () => {
      const a = await join(['a'], ['websocket']);
      const nsp = server.of('/rooms');
      nsp.sockets.get(a.client.id!)!.disconnect(); // namespace disconnect, not a transport close
      await nextEvent(a.client, 'disconnect');
      expect(app.numSubscribers('/rooms\x1fa')).toBe(0);
      expect(app.numSubscribers('/rooms')).toBe(0);
    });
  });

  it('two gateways in one process each publish on their own app (Socket.IO patches the adapter globally)', async () => {
    const first = await GatewayHarness.start();
    const second = await GatewayHarness.start();
    try {
      const one = first.connect(await first.createKey('user-1'));
      const two = second.connect(await second.createKey('user-1'));
      const oneLog = new UpdateLog(one);
      const twoLog = new UpdateLog(two);
      await Promise.all([nextEvent(one, 'initial-prices'), nextEvent(two, 'initial-prices')]);

      first.publish('BTC', { price: 1 });
      second.publish('BTC', { price: 2 });
      first.publish('ETH', { price: 1 });
      second.publish('ETH', { price: 2 });
      await Promise.all([oneLog.untilMarker('ETH', 1), twoLog.untilMarker('ETH', 2)]);
      expect(oneLog.updates.map((update) => [update.symbol, update.price])).toEqual([
        ['BTC', 1],
        ['ETH', 1],
      ]);
      expect(twoLog.updates.map((update) => [update.symbol, update.price])).toEqual([
        ['BTC', 2],
        ['ETH', 2],
      ]);
      for (const harness of [first, second]) {
        expect(harness.gateway.stats()).toMatchObject({ fastPathBroadcasts: 2, slowPathBroadcasts: 0, updatesBroadcast: 2 });
        expect(harness.app.numSubscribers('/api-ws\x1fBTC')).toBe(1);
      }
    } finally {
      await first.close();
      await second.close();
    }
  });
});
