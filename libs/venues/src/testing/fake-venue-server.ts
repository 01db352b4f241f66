import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { frameText } from '../venue-link';

export interface FakeVenueServerOptions {
  /** Inbound messages (text, ping and pong frames) allowed in any 1000 ms; above it the offending connection is closed, as the venue does. */
  inboundLimitPerSecond: number;
  /** 'connection': the limit counts per connection (Binance); 'server': over all connections, i.e. per client IP (Coinbase). */
  inboundLimitScope: 'connection' | 'server';
  /** Close connections this old (the venue's connection lifetime). Default: never. */
  maxConnectionAgeMs?: number;
  /** Ping every connection this often; the client's pongs count as inbound messages. Default: never. */
  pingIntervalMs?: number;
}

export type FakeCloseCause = 'lifetime' | 'rate-limit' | 'dropped' | 'protocol' | 'client' | 'server-stop';

/** One client connection as the fake sees it. */
export class FakeConnection {
  readonly subscriptions = new Set<string>();
  /** Every text the client sent, in order. */
  readonly received: string[] = [];
  closeCause: FakeCloseCause | undefined;
  readonly timers: (() => void)[] = [];

  constructor(
    readonly id: number,
    readonly socket: WebSocket,
    readonly path: string,
    readonly openedAt: number,
    private readonly server: FakeVenueServer,
  ) {}

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Sends unless the venue is silent or the socket is gone. */
  send(text: string): void {
    if (this.server.isSilent() || !this.open) return;
    this.socket.send(text);
  }

  /** Closes an open connection, recording why; a connection already closing keeps its cause. */
  close(cause: FakeCloseCause, code: number, reason: string): void {
    if (!this.open) return;
    this.closeCause ??= cause;
    this.socket.close(code, reason);
  }
}

/**
 * The venue-independent half of the fake exchanges: a real WebSocket server on 127.0.0.1,
 * port 0, that can refuse connections, go silent, drop every connection, enforce a connection
 * lifetime, ping, and count inbound messages per second exactly like the venue's limit does
 * (pings and pongs included), closing a connection that exceeds it.
 */
export abstract class FakeVenueServer {
  readonly connections: FakeConnection[] = [];
  /** Highest number of inbound messages seen in any 1000 ms window (per the limit's scope). */
  maxInboundPerSecond = 0;
  /** Times the inbound limit was exceeded. */
  rateViolations = 0;
  private readonly http: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly serverInbound: number[] = [];
  private readonly inboundByConnection = new Map<FakeConnection, number[]>();
  private silent = false;
  private refusing = false;
  private nextId = 0;
  private port = 0;
  private closing: Promise<void> | undefined;

  protected constructor(private readonly options: FakeVenueServerOptions) {
    this.http = http.createServer((_request, response) => {
      response.writeHead(404).end();
    });
    this.http.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      if (this.refusing) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, request.url ?? '/'));
    });
  }

  protected async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.http.listen(0, '127.0.0.1', resolve));
    this.port = (this.http.address() as AddressInfo).port;
  }

  /** ws://127.0.0.1:<port> */
  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  openConnections(): FakeConnection[] {
    return this.connections.filter((connection) => connection.open);
  }

  /** Connections closed for the given cause so far. */
  closedBy(cause: FakeCloseCause): number {
    return this.connections.filter((connection) => connection.closeCause === cause).length;
  }

  isSilent(): boolean {
    return this.silent;
  }

  /** A silent venue keeps connections open but sends nothing at all (no data, no heartbeats, no pings). */
  setSilent(silent: boolean): void {
    this.silent = silent;
  }

  /** While refusing, upgrade requests get HTTP 503 (the venue is down). */
  setRefusing(refusing: boolean): void {
    this.refusing = refusing;
  }

  /** Cuts every connection without a close frame, as a network failure would. */
  dropConnections(): void {
    for (const connection of this.openConnections()) {
      connection.closeCause ??= 'dropped';
      connection.socket.terminate();
    }
  }

  /** Sends a raw text frame to every open connection (malformed-frame tests). */
  sendRaw(text: string): void {
    for (const connection of this.openConnections()) connection.send(text);
  }

  /** Idempotent: terminates every connection and stops listening. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.refusing = true;
    for (const connection of this.connections) {
      for (const cancel of connection.timers.splice(0)) cancel();
      if (connection.socket.readyState !== WebSocket.CLOSED) {
        connection.closeCause ??= 'server-stop';
        connection.socket.terminate();
      }
    }
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve, reject) => this.http.close((error) => (error ? reject(error) : resolve())));
  }

  /** A text frame from the client, after rate counting. */
  protected abstract onText(connection: FakeConnection, text: string): void;

  /** A connection was accepted (the path is checked here). */
  protected abstract onConnection(connection: FakeConnection): void;

  private accept(socket: WebSocket, path: string): void {
    const connection = new FakeConnection(++this.nextId, socket, path, performance.now(), this);
    this.connections.push(connection);
    socket.on('message', (data, isBinary) => {
      if (!this.countInbound(connection)) return;
      const text = isBinary ? '' : frameText(data);
      connection.received.push(text);
      this.onText(connection, text);
    });
    socket.on('ping', () => this.countInbound(connection));
    socket.on('pong', () => this.countInbound(connection));
    socket.on('close', () => {
      connection.closeCause ??= 'client';
      for (const cancel of connection.timers.splice(0)) cancel();
    });
    socket.on('error', () => {
      // A client vanishing mid-frame; the 'close' that follows does the bookkeeping.
      connection.closeCause ??= 'client';
    });
    const { maxConnectionAgeMs, pingIntervalMs } = this.options;
    if (maxConnectionAgeMs !== undefined) {
      const handle = setTimeout(() => connection.close('lifetime', 1000, 'connection lifetime reached'), maxConnectionAgeMs);
      connection.timers.push(() => clearTimeout(handle));
    }
    if (pingIntervalMs !== undefined) {
      const handle = setInterval(() => {
        if (!this.silent && connection.open) socket.ping();
      }, pingIntervalMs);
      connection.timers.push(() => clearInterval(handle));
    }
    this.onConnection(connection);
  }

  /** Records one inbound message; false (and the connection closed) when it breaks the limit. */
  private countInbound(connection: FakeConnection): boolean {
    const now = performance.now();
    let window = this.serverInbound;
    if (this.options.inboundLimitScope === 'connection') {
      window = this.inboundByConnection.get(connection) ?? [];
      this.inboundByConnection.set(connection, window);
    }
    window.push(now);
    while (window.length > 0 && window[0]! <= now - 1000) window.shift();
    this.maxInboundPerSecond = Math.max(this.maxInboundPerSecond, window.length);
    if (window.length <= this.options.inboundLimitPerSecond) return true;
    this.rateViolations++;
    connection.close('rate-limit', 1008, 'Too many requests');
    return false;
  }
}
