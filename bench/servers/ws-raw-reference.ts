/**
 * Reference: what a user would write with the `ws` library for `/ws/chart-live` — the same
 * subscription handshake, one encoded Buffer per update, then a loop `ws.send(buffer)` over the
 * stream's subscribers.
 */
import * as http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { announce, chartEvent, confirmation, CONNECTED, exitOnSignals, parseSubscription, referenceArgs, startPublisher } from './reference-common';

const args = referenceArgs();
const subscribers = new Map<string, Set<WebSocket>>();
const server = http.createServer((_request, response) => response.writeHead(404).end());
const wss = new WebSocketServer({ server, path: '/ws/chart-live', perMessageDeflate: false, maxPayload: 64 * 1024 });
wss.on('connection', (ws) => {
  const mine = new Set<string>();
  ws.send(CONNECTED);
  ws.on('message', (data) => {
    // ws delivers a Buffer (binaryType 'nodebuffer', the default).
    const subscription = parseSubscription(Buffer.isBuffer(data) ? data.toString('utf8') : '');
    if (subscription === undefined) return;
    const topic = `${subscription.tokenAddress}:${subscription.timeframe}`;
    let set = subscribers.get(topic);
    if (set === undefined) subscribers.set(topic, (set = new Set()));
    set.add(ws);
    mine.add(topic);
    ws.send(confirmation(subscription.tokenAddress, subscription.timeframe));
  });
  ws.on('close', () => {
    for (const topic of mine) subscribers.get(topic)?.delete(ws);
  });
  ws.on('error', () => ws.terminate());
});
server.listen(args.port, '127.0.0.1', () => {
  const address = server.address();
  announce('ws-raw reference', typeof address === 'object' && address !== null ? address.port : args.port);
  startPublisher(args, (index, seq) => {
    const stream = args.streams[index]!;
    const set = subscribers.get(stream);
    if (set === undefined) return;
    const bytes = Buffer.from(chartEvent(stream, seq));
    for (const ws of set) ws.send(bytes);
  });
});
exitOnSignals();
