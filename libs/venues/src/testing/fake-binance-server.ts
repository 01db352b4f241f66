import { FakeVenueServer, type FakeConnection } from './fake-venue-server';

export interface FakeBinanceServerOptions {
  /** Binance's documented limit: 5 inbound messages per second per connection. */
  inboundLimitPerSecond?: number;
  /** Binance closes connections at 24 h; shorten it to test rotation. */
  maxConnectionAgeMs?: number;
  /** Binance pings every 20 s; the client's pongs count against the inbound limit. */
  pingIntervalMs?: number;
}

/** A trade stream payload exactly as Binance documents it. */
export interface BinanceTradePayload {
  e: 'trade';
  E: number;
  s: string;
  t: number;
  p: string;
  q: string;
  T: number;
  m: boolean;
  M: boolean;
}

export interface BinanceRequestRecord {
  connection: number;
  /** performance.now() at arrival. */
  at: number;
  method: unknown;
  params: unknown;
  id: unknown;
}

/**
 * A loopback Binance spot stream server speaking the documented protocol: `/stream`
 * (combined, payloads wrapped as {"stream","data"}) and `/ws` (raw), optional
 * `?streams=a/b` in the URL, live SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS requests
 * answered with {"result":…,"id":…} or the documented {"code","msg"} errors, `<symbol>@trade`
 * payloads, and the serverShutdown notice. Inbound messages are counted per connection and a
 * connection exceeding 5 per second is closed, as Binance does.
 */
export class FakeBinanceServer extends FakeVenueServer {
  /** Every trade emitted, in order (whether or not anyone was subscribed). */
  readonly emitted: BinanceTradePayload[] = [];
  readonly requests: BinanceRequestRecord[] = [];
  private readonly nextTradeId = new Map<string, number>();
  private readonly combined = new Set<FakeConnection>();

  private constructor(options: FakeBinanceServerOptions) {
    super({
      inboundLimitPerSecond: options.inboundLimitPerSecond ?? 5,
      inboundLimitScope: 'connection',
      maxConnectionAgeMs: options.maxConnectionAgeMs,
      pingIntervalMs: options.pingIntervalMs,
    });
  }

  static async start(options: FakeBinanceServerOptions = {}): Promise<FakeBinanceServer> {
    const server = new FakeBinanceServer(options);
    await server.listen();
    return server;
  }

  /** Emits one trade on `<market>@trade` to every subscribed connection; returns the payload. */
  emitTrade(market: string, fields: Partial<Pick<BinanceTradePayload, 'p' | 'q' | 'm' | 'T' | 't'>> = {}): BinanceTradePayload {
    const upper = market.toUpperCase();
    const id = fields.t ?? this.nextTradeId.get(upper) ?? 1;
    this.nextTradeId.set(upper, id + 1);
    const now = Date.now();
    const payload: BinanceTradePayload = {
      e: 'trade',
      E: now,
      s: upper,
      t: id,
      p: fields.p ?? '100.50000000',
      q: fields.q ?? '0.25000000',
      T: fields.T ?? now,
      m: fields.m ?? false,
      M: true,
    };
    this.emitted.push(payload);
    const stream = `${upper.toLowerCase()}@trade`;
    const wrapped = JSON.stringify({ stream, data: payload });
    const raw = JSON.stringify(payload);
    for (const connection of this.openConnections()) {
      if (connection.subscriptions.has(stream)) connection.send(this.combined.has(connection) ? wrapped : raw);
    }
    return payload;
  }

  /** The serverShutdown notice Binance sends before it closes connections. */
  sendServerShutdown(): void {
    this.sendRaw(JSON.stringify({ event: { e: 'serverShutdown', E: Date.now() } }));
  }

  /** Connections subscribed to every one of `streams`. */
  subscribedConnections(streams: readonly string[]): FakeConnection[] {
    return this.openConnections().filter((connection) => streams.every((stream) => connection.subscriptions.has(stream)));
  }

  protected onConnection(connection: FakeConnection): void {
    const url = new URL(connection.path, 'http://fake');
    if (url.pathname === '/stream') this.combined.add(connection);
    else if (!url.pathname.startsWith('/ws')) {
      connection.close('protocol', 1008, 'unknown path');
      return;
    }
    const streams = url.searchParams.get('streams');
    for (const stream of streams ? streams.split('/') : []) if (stream) connection.subscriptions.add(stream);
  }

  protected onText(connection: FakeConnection, text: string): void {
    let request: unknown;
    try {
      request = JSON.parse(text);
    } catch {
      connection.send(JSON.stringify({ code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' }));
      return;
    }
    if (typeof request !== 'object' || request === null || Array.isArray(request)) {
      connection.send(JSON.stringify({ code: 2, msg: 'Invalid request: expected an object' }));
      return;
    }
    const { method, params, id } = request as Record<string, unknown>;
    this.requests.push({ connection: connection.id, at: performance.now(), method, params, id });
    const streams = Array.isArray(params) && params.every((param) => typeof param === 'string') ? params : undefined;
    if ((method === 'SUBSCRIBE' || method === 'UNSUBSCRIBE') && streams) {
      for (const stream of streams) {
        if (method === 'SUBSCRIBE') connection.subscriptions.add(stream);
        else connection.subscriptions.delete(stream);
      }
      connection.send(JSON.stringify({ result: null, id }));
    } else if (method === 'LIST_SUBSCRIPTIONS') {
      connection.send(JSON.stringify({ result: [...connection.subscriptions], id }));
    } else {
      connection.send(
        JSON.stringify({
          code: 2,
          msg: `Invalid request: unknown variant ${JSON.stringify(method)}, expected one of SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS`,
          id,
        }),
      );
    }
  }
}
