/**
 * Reference: the bare limit of uWebSockets.js for `/ws/chart-live` — the same subscription
 * handshake, then only `app.publish(topic, bytes)` of a gateway-sized chart event per update.
 */
import * as uWS from 'uWebSockets.js';
import { announce, chartEvent, confirmation, CONNECTED, exitOnSignals, parseSubscription, referenceArgs, startPublisher } from './reference-common';

const args = referenceArgs();
const app = uWS.App();
app.ws('/ws/chart-live', {
  compression: 0,
  maxPayloadLength: 64 * 1024,
  maxBackpressure: 4 * 1024 * 1024 + 64 * 1024,
  idleTimeout: 120,
  sendPingsAutomatically: true,
  open: (ws) => {
    ws.send(CONNECTED, false);
  },
  message: (ws, data) => {
    const subscription = parseSubscription(Buffer.from(data).toString('utf8'));
    if (subscription === undefined) return;
    ws.subscribe(`${subscription.tokenAddress}:${subscription.timeframe}`);
    ws.send(confirmation(subscription.tokenAddress, subscription.timeframe), false);
  },
});
app.listen('127.0.0.1', args.port, (socket) => {
  if (socket === false) throw new Error(`cannot listen on ${args.port}`);
  announce('uws-raw reference', uWS.us_socket_local_port(socket));
  startPublisher(args, (index, seq) => {
    const stream = args.streams[index]!;
    app.publish(stream, chartEvent(stream, seq), false);
  });
});
exitOnSignals();
