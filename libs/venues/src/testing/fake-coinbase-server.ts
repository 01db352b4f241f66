import { FakeVenueServer, type FakeConnection } from './fake-venue-server';

export interface FakeCoinbaseServerOptions {
  /** Coinbase's documented limit: 8 unauthenticated messages per second per IP (all connections). */
  inboundLimitPerSecond?: number;
  /** Coinbase documents no lifetime; set one to test rotation. */
  maxConnectionAgeMs?: number;
  /** Heartbeats go out every second on Coinbase. */
  heartbeatIntervalMs?: number;
  /** A connection that has not subscribed within this long is closed (5 s on Coinbase). */
  subscribeDeadlineMs?: number;
  /** Recent trades sent as the market_trades snapshot on subscribe. Default 50. */
  snapshotSize?: number;
}

/** A market_trades trade exactly as Coinbase documents it. */
export interface CoinbaseTradePayload {
  trade_id: string;
  product_id: string;
  price: string;
  size: string;
  side: 'BUY' | 'SELL';
  time: string;
}

/**
 * A loopback Coinbase Advanced Trade market-data server speaking the documented protocol:
 * {"type":"subscribe"|"unsubscribe","channel",…,"product_ids"} (one channel per message),
 * a `subscriptions` confirmation, `market_trades` snapshot-then-update events, `heartbeats`
 * every second, {"type":"error","message"} answers, and the 5-second subscribe deadline.
 * Inbound messages are counted over all connections (Coinbase limits per IP).
 */
export class FakeCoinbaseServer extends FakeVenueServer {
  readonly emitted: CoinbaseTradePayload[] = [];
  private readonly nextTradeId = new Map<string, number>();
  private readonly sequence = new Map<FakeConnection, number>();
  private readonly heartbeatCounter = new Map<FakeConnection, number>();
  private readonly heartbeatIntervalMs: number;
  private readonly subscribeDeadlineMs: number;
  private readonly snapshotSize: number;

  private constructor(options: FakeCoinbaseServerOptions) {
    super({ inboundLimitPerSecond: options.inboundLimitPerSecond ?? 8, inboundLimitScope: 'server', maxConnectionAgeMs: options.maxConnectionAgeMs });
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 1000;
    this.subscribeDeadlineMs = options.subscribeDeadlineMs ?? 5000;
    this.snapshotSize = options.snapshotSize ?? 50;
  }

  static async start(options: FakeCoinbaseServerOptions = {}): Promise<FakeCoinbaseServer> {
    const server = new FakeCoinbaseServer(options);
    await server.listen();
    return server;
  }

  /** Emits one trade as a market_trades update to every connection subscribed to its product. */
  emitTrade(product: string, fields: Partial<Pick<CoinbaseTradePayload, 'price' | 'size' | 'side' | 'time'>> = {}): CoinbaseTradePayload {
    const id = this.nextTradeId.get(product) ?? 1;
    this.nextTradeId.set(product, id + 1);
    // Coinbase sends sub-millisecond fractions; six digits exercise the truncation to ms.
    const time = fields.time ?? new Date().toISOString().replace('Z', '417Z');
    const trade: CoinbaseTradePayload = {
      trade_id: String(id),
      product_id: product,
      price: fields.price ?? '2501.17',
      size: fields.size ?? '0.0125',
      side: fields.side ?? 'BUY',
      time,
    };
    this.emitted.push(trade);
    for (const connection of this.openConnections()) {
      if (connection.subscriptions.has(`market_trades:${product}`)) this.sendChannel(connection, 'market_trades', [{ type: 'update', trades: [trade] }]);
    }
    return trade;
  }

  /** Connections subscribed to market_trades for every one of `products`. */
  subscribedConnections(products: readonly string[]): FakeConnection[] {
    return this.openConnections().filter((connection) => products.every((product) => connection.subscriptions.has(`market_trades:${product}`)));
  }

  protected onConnection(connection: FakeConnection): void {
    const deadline = setTimeout(() => {
      if (connection.subscriptions.size > 0) return;
      connection.send(JSON.stringify({ type: 'error', message: 'subscribe timeout' }));
      connection.close('protocol', 1008, 'subscribe timeout');
    }, this.subscribeDeadlineMs);
    connection.timers.push(() => clearTimeout(deadline));
  }

  protected onText(connection: FakeConnection, text: string): void {
    let request: unknown;
    try {
      request = JSON.parse(text);
    } catch {
      connection.send(JSON.stringify({ type: 'error', message: 'failure to parse message' }));
      return;
    }
    const { type, channel, product_ids: productIds } = (typeof request === 'object' && request !== null ? request : {}) as Record<string, unknown>;
    const products = Array.isArray(productIds) && productIds.every((id) => typeof id === 'string') ? productIds : [];
    if ((type !== 'subscribe' && type !== 'unsubscribe') || typeof channel !== 'string') {
      connection.send(JSON.stringify({ type: 'error', message: 'subscribe or unsubscribe with one channel expected' }));
      return;
    }
    if (channel !== 'market_trades' && channel !== 'heartbeats') {
      connection.send(JSON.stringify({ type: 'error', message: `unsupported channel ${channel}` }));
      return;
    }
    const keys = channel === 'heartbeats' ? ['heartbeats'] : products.map((product) => `market_trades:${product}`);
    for (const key of keys) {
      if (type === 'subscribe') connection.subscriptions.add(key);
      else connection.subscriptions.delete(key);
    }
    this.sendSubscriptions(connection);
    if (type !== 'subscribe') return;
    if (channel === 'heartbeats' && !this.heartbeatCounter.has(connection)) {
      this.heartbeatCounter.set(connection, 0);
      const handle = setInterval(() => this.sendHeartbeat(connection), this.heartbeatIntervalMs);
      connection.timers.push(() => clearInterval(handle));
    }
    if (channel === 'market_trades') {
      const wanted = new Set(products);
      const recent = this.emitted
        .filter((trade) => wanted.has(trade.product_id))
        .slice(-this.snapshotSize)
        .reverse();
      this.sendChannel(connection, 'market_trades', [{ type: 'snapshot', trades: recent }]);
    }
  }

  private sendSubscriptions(connection: FakeConnection): void {
    const marketTrades = [...connection.subscriptions].filter((key) => key.startsWith('market_trades:')).map((key) => key.slice('market_trades:'.length));
    const subscriptions: Record<string, string[]> = {};
    if (marketTrades.length > 0) subscriptions['market_trades'] = marketTrades;
    if (connection.subscriptions.has('heartbeats')) subscriptions['heartbeats'] = [];
    this.sendChannel(connection, 'subscriptions', [{ subscriptions }]);
  }

  private sendHeartbeat(connection: FakeConnection): void {
    if (this.isSilent()) return;
    const counter = (this.heartbeatCounter.get(connection) ?? 0) + 1;
    this.heartbeatCounter.set(connection, counter);
    const now = new Date().toISOString();
    this.sendChannel(connection, 'heartbeats', [
      { current_time: `${now.slice(0, 10)} ${now.slice(11, 23)}000000 +0000 UTC m=+${(counter / 1000).toFixed(9)}`, heartbeat_counter: String(counter) },
    ]);
  }

  private sendChannel(connection: FakeConnection, channel: string, events: unknown[]): void {
    const sequence = this.sequence.get(connection) ?? 0;
    this.sequence.set(connection, sequence + 1);
    connection.send(JSON.stringify({ channel, client_id: '', timestamp: new Date().toISOString().replace('Z', '572Z'), sequence_num: sequence, events }));
  }
}
