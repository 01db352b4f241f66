/**
 * What every part of the harness shares: paths, cores, keys, and the streams clients subscribe
 * to, with the ladder of offered rates built from them.
 */
import { SIMULATED_PRICE_SYMBOLS, SIMULATED_TOKENS } from '@mdg/feeds';
import { PRICE_SYMBOLS } from '@mdg/model';

export interface BenchContext {
  root: string;
  benchDir: string;
  /** bench/results/<run>: raw JSON, profiles, FIFOs, keys. */
  runDir: string;
  profileDir: string;
  gatewayMain: string;
  loadgenBinary: string;
  feederBinary: string;
  serverCore: string | undefined;
  clientCore: string | undefined;
  /** Keys file (FileKeyStore format) and the plain keys, one user each (Pro). */
  keysJson: string;
  keysTxt: string;
  keys: string[];
  /** `id:price[:1]` per feeder instrument: the 5 subscribed tokens, then the 20 price symbols. */
  feederInstruments: string[];
}

/** One offered rate: which streams publish, and how often. */
export interface Step {
  /** Active streams. */
  k: number;
  /** One update per active stream every periodMs: offered updates/s = k × 1000 / periodMs. */
  periodMs: number;
  /** Indices into the protocol's stream list (references publish these). */
  streamIndices: number[];
  /** Indices into the feeder's instruments (the gateway's engine gets trades for these). */
  feederIndices: number[];
}

/**
 * `/ws/chart-live`: every client subscribes to these 10 streams of 5 tokens (10 messages: the
 * gateway's inbound limit is 10 per second). Each trade of a token updates all its subscribed
 * timeframes, so the offered streams go by token groups of 1, 1, 2, 2 and 4 — every k from 1
 * to 10 is a sum of whole groups. Timeframes of a minute and more: their final candles (one
 * extra message per bucket) stay negligible next to the offered updates.
 */
const RAW_GROUPS: readonly (readonly number[])[] = [[60], [60], [60, 300], [60, 300], [60, 300, 900, 1800]];
const RAW_TOKENS = SIMULATED_TOKENS.slice(0, RAW_GROUPS.length);

export const RAW_STREAMS: readonly string[] = RAW_GROUPS.flatMap((timeframes, index) =>
  timeframes.map((timeframe) => `${RAW_TOKENS[index]!.tokenAddress}:${timeframe}`),
);
export const RAW_SUBSCRIPTIONS: readonly string[] = RAW_STREAMS.map((stream) => {
  const [tokenAddress, timeframe] = stream.split(':');
  return JSON.stringify({ tokenAddress, timeframe: Number(timeframe) });
});
export const SIO_STREAMS: readonly string[] = [...PRICE_SYMBOLS];

export function feederInstruments(): string[] {
  const tokens = RAW_TOKENS.map((token) => `${token.tokenAddress}:${token.startPrice}:1`);
  const symbols = PRICE_SYMBOLS.map((symbol) => `${symbol}:${SIMULATED_PRICE_SYMBOLS.find((entry) => entry.id === symbol)?.startPrice ?? 100}`);
  return [...tokens, ...symbols];
}

export function maxK(protocol: 'raw' | 'sio'): number {
  return protocol === 'raw' ? RAW_STREAMS.length : SIO_STREAMS.length;
}

/**
 * The step with k active streams (raw: the whole token groups summing to k; sio: the first k
 * symbols), each updated every periodMs. The sweep keeps every stream active (k = maxK, like a
 * real client of either protocol) and varies the period.
 */
export function stepFor(protocol: 'raw' | 'sio', periodMs: number, k = maxK(protocol)): Step {
  if (protocol === 'sio') {
    const streamIndices = Array.from({ length: k }, (_, index) => index);
    return { k, periodMs, streamIndices, feederIndices: streamIndices.map((index) => RAW_GROUPS.length + index) };
  }
  for (let mask = 0; mask < 1 << RAW_GROUPS.length; mask += 1) {
    const groups = RAW_GROUPS.map((_, index) => index).filter((index) => mask & (1 << index));
    if (groups.reduce((total, index) => total + RAW_GROUPS[index]!.length, 0) !== k) continue;
    const streamIndices: number[] = [];
    let offset = 0;
    RAW_GROUPS.forEach((timeframes, index) => {
      if (groups.includes(index)) for (let tf = 0; tf < timeframes.length; tf += 1) streamIndices.push(offset + tf);
      offset += timeframes.length;
    });
    return { k, periodMs, streamIndices, feederIndices: groups };
  }
  throw new Error(`no token groups add up to ${k} streams`);
}
