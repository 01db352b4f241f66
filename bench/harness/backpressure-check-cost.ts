/**
 * How much the `/ws/chart-live` slow-consumer check costs per subscriber: ChartLiveEndpoint
 * reads every subscriber's getBufferedAmount() before each publish. Here the same loop (same
 * shape: a Set of sessions, two guards, one native call) runs over N real uWS connections;
 * prints {"nsPerMember": ...}. Run pinned to the server core by the harness.
 */
import * as uWS from 'uWebSockets.js';
import WebSocket from 'ws';

const N = Number(process.env['BENCH_CHECK_N'] ?? 1000);
const ROUNDS = 2000;
const sockets: uWS.WebSocket<unknown>[] = [];
const app = uWS.App().ws('/*', { open: (ws) => void sockets.push(ws) });
app.listen('127.0.0.1', 0, (listen) => {
  if (listen === false) throw new Error('cannot listen');
  const port = uWS.us_socket_local_port(listen);
  const clients = Array.from({ length: N }, () => new WebSocket(`ws://127.0.0.1:${port}/`));
  const measure = () => {
    const members = new Set(sockets.map((ws) => ({ ws, slowSince: undefined as number | undefined, closed: false })));
    const samples: number[] = [];
    let peak = 0;
    for (let repeat = 0; repeat < 5; repeat += 1) {
      const started = process.hrtime.bigint();
      for (let round = 0; round < ROUNDS; round += 1) {
        for (const member of members) {
          if (member.slowSince !== undefined || member.closed) continue;
          const buffered = member.ws.getBufferedAmount();
          if (buffered > peak) peak = buffered;
        }
      }
      samples.push(Number(process.hrtime.bigint() - started) / (ROUNDS * members.size));
    }
    samples.sort((a, b) => a - b);
    console.log(JSON.stringify({ n: members.size, nsPerMember: samples[2], min: samples[0], max: samples[4], peak }));
    for (const client of clients) client.terminate();
    process.exit(0);
  };
  const wait = () => (sockets.length >= N ? measure() : setTimeout(wait, 20));
  wait();
});
