import type { Plan } from '@mdg/auth';
import { systemIntervalTimer, type IntervalTimer } from '@mdg/feeds';
import { InvalidConfigError, systemClock, type Clock } from '@mdg/model';
import type { Socket } from 'socket.io';

/** Everything tunable about the `/api-ws` gateway; every field is optional and documents its default. */
export interface SocketIoGatewayOptions {
  /** Socket.IO namespace. Default `/api-ws` (PROTOCOL.md section A). */
  namespace?: string;
  /** Engine.IO path. Default `/socket.io/` (the stock clients' default). */
  path?: string;
  /** Serve the browser client bundle under `<path>socket.io.min.js` (for the dashboard). Default true. */
  serveClient?: boolean;
  /**
   * Live connections per user, by plan, counted cluster-wide through the ConnectionRegistry.
   * Default `{ free: 2, pro: 2 }` (PROTOCOL.md A: 2; only an active Pro plan is admitted at all).
   */
  maxConnectionsPerPlan?: Readonly<Record<Plan, number>>;
  /** ConnectionRegistry pool the leases are taken in. Default `api-ws`. */
  connectionPool?: string;
  /**
   * uWS `maxBackpressure` of the WebSocket route, bytes. Past it uWS drops what it should
   * send to that client; the client then sees a `seq` jump. Default 4 MiB.
   */
  maxBackpressureBytes?: number;
  /**
   * A client with more than this buffered (uWS backpressure, or Engine.IO's write buffer for
   * long-polling) at a check is closed; the stock client reconnects by itself. Must be below
   * `maxBackpressureBytes`, otherwise uWS would drop before it could ever be reached. Default 1 MiB.
   */
  hardBackpressureBytes?: number;
  /** Period of the slow-client check. Default 250 ms. */
  slowCheckIntervalMs?: number;
  /** Most symbols one `subscribe`/`unsubscribe` may carry. Default 100. */
  maxSymbolsPerMessage?: number;
  /** Largest inbound message (Engine.IO `maxHttpBufferSize`, uWS `maxPayloadLength`), bytes. Default 16 KiB. */
  maxInboundMessageBytes?: number;
  /** Inbound messages per second per connection before answers become RATE_LIMITED. Default 20. */
  inboundMessagesPerSecond?: number;
  /** Consecutive over-budget seconds before the connection is closed. Default 3. */
  inboundStrikesToClose?: number;
  /**
   * Engine.IO heartbeat. A peer that vanished without a close is detected (and its connection
   * slot released) within pingIntervalMs + pingTimeoutMs. Defaults 10000 and 5000 ms.
   */
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
  /** An Engine.IO connection that joins no namespace is closed after this. Default 10000 ms. */
  connectTimeoutMs?: number;
  /**
   * Address failed authentications are rate limited under. Default: the TCP peer address
   * (`socket.handshake.address`); behind a trusted proxy pass one that reads X-Forwarded-For.
   */
  remoteAddress?: (socket: Socket) => string;
  /** Time source of the inbound rate limiter. Default: the system clock. */
  clock?: Clock;
  /** Runs the periodic slow-client check (every slowCheckIntervalMs). Default: setInterval. */
  timer?: IntervalTimer;
  /** Benchmarks only: price updates also carry `t` (envelope.acceptedAt) and `tp` (publishedAt). Default false. */
  benchStamp?: boolean;
}

export type ResolvedSocketIoGatewayOptions = Readonly<Required<SocketIoGatewayOptions>>;

const MiB = 1024 * 1024;

function defaultRemoteAddress(socket: Socket): string {
  return socket.handshake.address || 'unknown';
}

/** Fills in the defaults and validates; throws InvalidConfigError listing every problem at once. */
export function resolveSocketIoGatewayOptions(options: SocketIoGatewayOptions = {}): ResolvedSocketIoGatewayOptions {
  const resolved: Required<SocketIoGatewayOptions> = {
    namespace: options.namespace ?? '/api-ws',
    path: options.path ?? '/socket.io/',
    serveClient: options.serveClient ?? true,
    maxConnectionsPerPlan: Object.freeze({ ...(options.maxConnectionsPerPlan ?? { free: 2, pro: 2 }) }),
    connectionPool: options.connectionPool ?? 'api-ws',
    maxBackpressureBytes: options.maxBackpressureBytes ?? 4 * MiB,
    hardBackpressureBytes: options.hardBackpressureBytes ?? 1 * MiB,
    slowCheckIntervalMs: options.slowCheckIntervalMs ?? 250,
    maxSymbolsPerMessage: options.maxSymbolsPerMessage ?? 100,
    maxInboundMessageBytes: options.maxInboundMessageBytes ?? 16 * 1024,
    inboundMessagesPerSecond: options.inboundMessagesPerSecond ?? 20,
    inboundStrikesToClose: options.inboundStrikesToClose ?? 3,
    pingIntervalMs: options.pingIntervalMs ?? 10_000,
    pingTimeoutMs: options.pingTimeoutMs ?? 5_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    remoteAddress: options.remoteAddress ?? defaultRemoteAddress,
    clock: options.clock ?? systemClock,
    timer: options.timer ?? systemIntervalTimer,
    benchStamp: options.benchStamp ?? false,
  };
  const problems: string[] = [];
  const positiveInteger = (name: keyof SocketIoGatewayOptions, value: number): void => {
    if (!Number.isInteger(value) || value < 1) problems.push(`${name} must be a positive integer, got ${value}`);
  };
  for (const plan of ['free', 'pro'] as const) {
    const limit = resolved.maxConnectionsPerPlan[plan];
    if (!Number.isInteger(limit) || limit < 0) problems.push(`maxConnectionsPerPlan.${plan} must be an integer ≥ 0, got ${String(limit)}`);
  }
  positiveInteger('maxBackpressureBytes', resolved.maxBackpressureBytes);
  positiveInteger('hardBackpressureBytes', resolved.hardBackpressureBytes);
  positiveInteger('slowCheckIntervalMs', resolved.slowCheckIntervalMs);
  positiveInteger('maxSymbolsPerMessage', resolved.maxSymbolsPerMessage);
  positiveInteger('maxInboundMessageBytes', resolved.maxInboundMessageBytes);
  positiveInteger('inboundMessagesPerSecond', resolved.inboundMessagesPerSecond);
  positiveInteger('inboundStrikesToClose', resolved.inboundStrikesToClose);
  positiveInteger('pingIntervalMs', resolved.pingIntervalMs);
  positiveInteger('pingTimeoutMs', resolved.pingTimeoutMs);
  positiveInteger('connectTimeoutMs', resolved.connectTimeoutMs);
  if (resolved.hardBackpressureBytes >= resolved.maxBackpressureBytes) {
    problems.push(
      `hardBackpressureBytes (${resolved.hardBackpressureBytes}) must be below maxBackpressureBytes (${resolved.maxBackpressureBytes}): uWS stops buffering at maxBackpressure`,
    );
  }
  if (!/^\/[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/.test(resolved.namespace))
    problems.push(`namespace must look like /api-ws, got ${JSON.stringify(resolved.namespace)}`);
  if (!/^\/[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*\/?$/.test(resolved.path)) problems.push(`path must look like /socket.io/, got ${JSON.stringify(resolved.path)}`);
  if (typeof resolved.connectionPool !== 'string' || resolved.connectionPool === '') problems.push('connectionPool must be a non-empty string');
  if (typeof resolved.remoteAddress !== 'function') problems.push('remoteAddress must be a function');
  if (typeof resolved.clock?.now !== 'function') problems.push('clock must have a now() method');
  if (typeof resolved.timer?.every !== 'function') problems.push('timer must have an every() method');
  if (typeof resolved.benchStamp !== 'boolean') problems.push('benchStamp must be a boolean');
  if (problems.length > 0) throw new InvalidConfigError(problems);
  return Object.freeze(resolved);
}
