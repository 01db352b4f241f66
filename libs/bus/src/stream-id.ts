/**
 * Stream names shared by the engine, the bus and the edges. They double as Redis channel
 * suffixes and uWS topic suffixes, so they use only [A-Za-z0-9.:] (base58 mints qualify).
 */
export type StreamId = string;

export type ParsedStream = { kind: 'price'; symbol: string } | { kind: 'candle'; instrument: string; timeframe: number };

export function priceStream(symbol: string): StreamId {
  return `price:${symbol}`;
}

export function candleStream(instrument: string, timeframe: number): StreamId {
  return `candle:${instrument}:${timeframe}`;
}

export function parseStream(stream: StreamId): ParsedStream | undefined {
  const parts = stream.split(':');
  if (parts[0] === 'price' && parts.length === 2 && parts[1]) return { kind: 'price', symbol: parts[1] };
  if (parts[0] === 'candle' && parts.length === 3 && parts[1]) {
    const timeframe = Number(parts[2]);
    if (Number.isInteger(timeframe) && timeframe > 0) return { kind: 'candle', instrument: parts[1], timeframe };
  }
  return undefined;
}
