import { PRICE_SYMBOLS, type PriceSymbol } from '@mdg/model';

/** Rooms to leave and to join so that a socket's rooms match its new subscription. */
export interface RoomChange {
  readonly leave: readonly PriceSymbol[];
  readonly join: readonly PriceSymbol[];
}

/**
 * The delivery rule of PROTOCOL.md section A for one connection: it starts with every symbol
 * ("all" mode; an `unsubscribe` there removes from the full set); its first `subscribe`
 * switches it to exactly the symbols subscribed ("specific" mode), after which `subscribe`
 * adds and `unsubscribe` removes. Pure bookkeeping: the caller applies the RoomChange.
 */
export class PriceSubscription {
  private specific = false;
  private readonly current = new Set<PriceSymbol>(PRICE_SYMBOLS);

  get mode(): 'all' | 'specific' {
    return this.specific ? 'specific' : 'all';
  }

  subscribe(symbols: readonly PriceSymbol[]): RoomChange {
    const wanted = new Set(symbols);
    if (!this.specific) {
      this.specific = true;
      const leave = [...this.current].filter((symbol) => !wanted.has(symbol));
      const join = [...wanted].filter((symbol) => !this.current.has(symbol));
      this.current.clear();
      for (const symbol of wanted) this.current.add(symbol);
      return { leave, join };
    }
    const join = [...wanted].filter((symbol) => !this.current.has(symbol));
    for (const symbol of join) this.current.add(symbol);
    return { leave: [], join };
  }

  unsubscribe(symbols: readonly PriceSymbol[]): RoomChange {
    const leave = [...new Set(symbols)].filter((symbol) => this.current.delete(symbol));
    return { leave, join: [] };
  }

  /** How many symbols the connection receives now. */
  get size(): number {
    return this.current.size;
  }

  has(symbol: PriceSymbol): boolean {
    return this.current.has(symbol);
  }

  /** The current set, upper-case, in the documented symbol order. */
  symbols(): PriceSymbol[] {
    return PRICE_SYMBOLS.filter((symbol) => this.current.has(symbol));
  }
}
