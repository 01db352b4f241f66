/**
 * References for `/api-ws`: Socket.IO v4, namespace `/api-ws`, auth accepted as given, each
 * socket in one room per symbol (what the gateway does for a client that never subscribes),
 * and per update only `nsp.to(symbol).emit('price-update', update)` of a gateway-sized update.
 *   BENCH_ENGINE=uws   Socket.IO attached to a uWebSockets.js app (`io.attachApp`): one-room
 *                      broadcasts become one `app.publish` — the bare limit of this stack.
 *   BENCH_ENGINE=http  Socket.IO on Node's http server, default engine (ws): what users pick.
 */
import * as http from 'node:http';
import { Server } from 'socket.io';
import * as uWS from 'uWebSockets.js';
import { announce, exitOnSignals, priceUpdate, referenceArgs, startPublisher } from './reference-common';

const args = referenceArgs();
const engine = process.env['BENCH_ENGINE'] === 'http' ? 'http' : 'uws';
const io = new Server({ serveClient: false, pingInterval: 10_000, pingTimeout: 5_000 });
const nsp = io.of('/api-ws');
nsp.use((socket, next) => next(typeof (socket.handshake.auth as { apiKey?: unknown }).apiKey === 'string' ? undefined : new Error('Authentication failed')));
nsp.on('connection', (socket) => {
  void socket.join(args.streams);
});
const publish = (index: number, seq: number) => {
  const symbol = args.streams[index]!;
  nsp.to(symbol).emit('price-update', priceUpdate(symbol, seq));
};

if (engine === 'uws') {
  const app = uWS.App();
  io.attachApp(app, { maxBackpressure: 4 * 1024 * 1024 } as Parameters<typeof io.attachApp>[1]);
  app.listen('127.0.0.1', args.port, (socket) => {
    if (socket === false) throw new Error(`cannot listen on ${args.port}`);
    announce('socket.io-on-uws reference', uWS.us_socket_local_port(socket));
    startPublisher(args, publish);
  });
} else {
  const server = http.createServer();
  io.attach(server);
  server.listen(args.port, '127.0.0.1', () => {
    const address = server.address();
    announce('socket.io-on-http reference', typeof address === 'object' && address !== null ? address.port : args.port);
    startPublisher(args, publish);
  });
}
exitOnSignals();
