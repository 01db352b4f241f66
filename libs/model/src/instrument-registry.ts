import { isSolanaAddress } from './base58';
import { InvalidInstrumentError } from './errors/invalid-instrument-error';
import { UnknownInstrumentError } from './errors/unknown-instrument-error';
import type { Instrument, PriceInstrument, TokenInstrument } from './instrument';
import { PRICE_SYMBOLS } from './price-symbols';

export interface TokenDefinition {
  tokenAddress: string;
  quoteToken: string;
  decimals: number;
  symbol: string;
}

/**
 * The one list of instruments that both engines and both protocols consult.
 * The 20 price symbols are always present; tokens are added by registration.
 */
export class InstrumentRegistry {
  private readonly byId = new Map<string, Instrument>();
  private readonly listeners = new Set<(token: TokenInstrument) => void>();

  constructor(tokens: readonly TokenDefinition[] = []) {
    for (const symbol of PRICE_SYMBOLS) {
      const instrument: PriceInstrument = Object.freeze({ kind: 'price', id: symbol, symbol, decimals: 0 });
      this.byId.set(symbol, instrument);
    }
    for (const token of tokens) this.registerToken(token);
  }

  /** Adds a token (idempotent for an identical definition); throws on a malformed or conflicting one. */
  registerToken(definition: TokenDefinition): TokenInstrument {
    const { tokenAddress, quoteToken, decimals, symbol } = definition;
    if (!isSolanaAddress(tokenAddress)) throw new InvalidInstrumentError(`tokenAddress ${JSON.stringify(tokenAddress)} is not a base58 Solana address`);
    if (!isSolanaAddress(quoteToken)) throw new InvalidInstrumentError(`quoteToken ${JSON.stringify(quoteToken)} is not a base58 Solana address`);
    if (!Number.isInteger(decimals) || decimals < 0 || decimals > 18) throw new InvalidInstrumentError(`decimals must be an integer 0..18, got ${decimals}`);
    if (typeof symbol !== 'string' || !/^[A-Za-z0-9._-]{1,16}$/.test(symbol))
      throw new InvalidInstrumentError(`symbol must be 1-16 letters, digits, '.', '_' or '-'`);
    const existing = this.byId.get(tokenAddress);
    if (existing) {
      if (existing.kind === 'token' && existing.quoteToken === quoteToken && existing.decimals === decimals && existing.symbol === symbol) return existing;
      throw new InvalidInstrumentError(`${tokenAddress} is already registered with a different definition`);
    }
    const token: TokenInstrument = Object.freeze({ kind: 'token', id: tokenAddress, tokenAddress, quoteToken, decimals, symbol });
    this.byId.set(tokenAddress, token);
    for (const listener of this.listeners) listener(token);
    return token;
  }

  /** Called for every token registered after subscription. Returns an unsubscribe function. */
  onTokenRegistered(listener: (token: TokenInstrument) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  find(id: string): Instrument | undefined {
    return this.byId.get(id);
  }

  get(id: string): Instrument {
    const instrument = this.byId.get(id);
    if (!instrument) throw new UnknownInstrumentError(id);
    return instrument;
  }

  findToken(tokenAddress: string): TokenInstrument | undefined {
    const instrument = this.byId.get(tokenAddress);
    return instrument?.kind === 'token' ? instrument : undefined;
  }

  all(): Instrument[] {
    return [...this.byId.values()];
  }

  priceInstruments(): PriceInstrument[] {
    return this.all().filter((instrument): instrument is PriceInstrument => instrument.kind === 'price');
  }

  tokens(): TokenInstrument[] {
    return this.all().filter((instrument): instrument is TokenInstrument => instrument.kind === 'token');
  }
}
