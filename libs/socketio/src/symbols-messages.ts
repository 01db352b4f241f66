import type { Clock } from '@mdg/model';
import type { Event } from 'socket.io';
import { parseSymbolsPayload, type SymbolsAck } from '@mdg/protocol';
import type { PriceSession } from './gateway-socket';

export interface SymbolsMessagesOptions {
  maxSymbolsPerMessage: number;
  inboundMessagesPerSecond: number;
  clock: Clock;
}

/** Counters of what clients sent (metrics: client errors). */
export interface SymbolsMessagesCounters {
  /** `subscribe`/`unsubscribe` payloads of the wrong shape (answered INVALID_PAYLOAD). */
  badPayloads: number;
  /** `subscribe`/`unsubscribe` naming an unsupported symbol (answered UNKNOWN_SYMBOL, nothing changed). */
  unknownSymbols: number;
  /** Inbound messages dropped by the per-connection rate limit. */
  rateLimited: number;
}

/**
 * The client → server side of `/api-ws`: the per-connection inbound budget and the
 * `subscribe` / `unsubscribe` messages (room changes, acks). A bad payload never throws: it
 * gets `{ ok: false, error, code }` and is counted.
 */
export class SymbolsMessages {
  readonly counters: SymbolsMessagesCounters = { badPayloads: 0, unknownSymbols: 0, rateLimited: 0 };

  constructor(
    private readonly options: SymbolsMessagesOptions,
    /** A connection over budget for too long: the gateway closes it. */
    private readonly onFlood: (session: PriceSession) => void,
    private readonly reportError: (error: Error) => void,
  ) {}

  /** Socket middleware: passes a message within budget, drops (and acks RATE_LIMITED) one over it. */
  limitInbound(session: PriceSession, event: Event, next: (error?: Error) => void): void {
    const verdict = session.inbound.take(this.options.clock.now());
    if (verdict === 'ok') {
      next();
      return;
    }
    this.counters.rateLimited += 1;
    if (verdict === 'close') {
      this.onFlood(session);
      return;
    }
    // Dropped (next() not called); an ack still gets its answer.
    const ack: unknown = event[event.length - 1];
    if (typeof ack === 'function') {
      const answer: SymbolsAck = {
        ok: false,
        error: `Rate limit exceeded: at most ${this.options.inboundMessagesPerSecond} messages per second`,
        code: 'RATE_LIMITED',
      };
      (ack as (answer: SymbolsAck) => void)(answer);
    }
  }

  handle(session: PriceSession, kind: 'subscribe' | 'unsubscribe', args: unknown[]): void {
    const last = args[args.length - 1];
    const ack = typeof last === 'function' ? (last as (answer: SymbolsAck) => void) : undefined;
    const payload = ack !== undefined && args.length === 1 ? undefined : args[0];
    let answer: SymbolsAck;
    try {
      answer = this.apply(session, kind, payload);
    } catch (error) {
      this.reportError(new Error(`${kind} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
      answer = { ok: false, error: 'Internal error' };
    }
    ack?.(answer);
  }

  private apply(session: PriceSession, kind: 'subscribe' | 'unsubscribe', payload: unknown): SymbolsAck {
    const parsed = parseSymbolsPayload(payload, this.options.maxSymbolsPerMessage);
    if (!parsed.ok) {
      if (parsed.code === 'INVALID_PAYLOAD') this.counters.badPayloads += 1;
      else this.counters.unknownSymbols += 1;
      return { ok: false, error: parsed.error, code: parsed.code };
    }
    const change = kind === 'subscribe' ? session.subscription.subscribe(parsed.symbols) : session.subscription.unsubscribe(parsed.symbols);
    // UwsRoomAdapter changes rooms synchronously (Socket.IO types them as maybe async).
    for (const symbol of change.leave) void session.socket.leave(symbol);
    if (change.join.length > 0) void session.socket.join([...change.join]);
    return { ok: true, symbols: session.subscription.symbols() };
  }
}
