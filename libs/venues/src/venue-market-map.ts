import { InvalidConfigError, normalizePriceSymbol, PRICE_SYMBOLS, type PriceSymbol } from '@mdg/model';

/** Our price symbol → the venue's market id, spelled as the venue spells it. A symbol the venue does not list is absent. */
export type VenueMarketTable = Readonly<Partial<Record<PriceSymbol, string>>>;

const MARKET_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

/**
 * One venue's markets for the 20 price symbols, both ways. Built from a table declared as
 * data (binance-markets.ts, coinbase-markets.ts) and checked to be a bijection, so a trade
 * can never be attributed to the wrong symbol. Market lookups ignore case because venues
 * mix cases (Binance stream names are lower case, its payload symbols upper case).
 */
export class VenueMarketMap {
  private readonly bySymbol = new Map<PriceSymbol, string>();
  private readonly byMarket = new Map<string, PriceSymbol>();

  constructor(
    readonly venue: string,
    table: VenueMarketTable,
  ) {
    const problems: string[] = [];
    for (const [key, market] of Object.entries(table)) {
      const symbol = normalizePriceSymbol(key);
      if (symbol === undefined || symbol !== key) {
        problems.push(`${venue}: ${JSON.stringify(key)} is not one of the price symbols`);
        continue;
      }
      if (typeof market !== 'string' || !MARKET_ID.test(market)) {
        problems.push(`${venue}: market for ${symbol} must be 1-32 letters, digits, '-' or '_', got ${JSON.stringify(market)}`);
        continue;
      }
      const taken = this.byMarket.get(market.toUpperCase());
      if (taken !== undefined) {
        problems.push(`${venue}: market ${market} is mapped from both ${taken} and ${symbol}`);
        continue;
      }
      this.bySymbol.set(symbol, market);
      this.byMarket.set(market.toUpperCase(), symbol);
    }
    if (problems.length > 0) throw new InvalidConfigError(problems);
  }

  /** The venue's market for one of our symbols; undefined when the venue does not list it. */
  toMarket(symbol: string): string | undefined {
    const normalized = normalizePriceSymbol(symbol);
    return normalized === undefined ? undefined : this.bySymbol.get(normalized);
  }

  /** Our symbol for a venue market (any case); undefined for a market we do not track. */
  toSymbol(market: string): PriceSymbol | undefined {
    return this.byMarket.get(market.toUpperCase());
  }

  /** The symbols this venue lists, in PRICE_SYMBOLS order. */
  symbols(): PriceSymbol[] {
    return PRICE_SYMBOLS.filter((symbol) => this.bySymbol.has(symbol));
  }

  /** A map with only `symbols`; throws InvalidConfigError naming every symbol the venue does not list. */
  restrict(symbols: readonly string[]): VenueMarketMap {
    const table: Partial<Record<PriceSymbol, string>> = {};
    const missing: string[] = [];
    for (const symbol of symbols) {
      const normalized = normalizePriceSymbol(symbol);
      const market = normalized === undefined ? undefined : this.bySymbol.get(normalized);
      if (normalized === undefined || market === undefined) missing.push(symbol);
      else table[normalized] = market;
    }
    if (missing.length > 0) throw new InvalidConfigError([`${this.venue} does not list ${missing.join(', ')} (listed: ${this.symbols().join(', ')})`]);
    return new VenueMarketMap(this.venue, table);
  }
}
