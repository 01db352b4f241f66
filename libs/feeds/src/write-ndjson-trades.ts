import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Trade } from '@mdg/model';

/** Lines per written chunk: large enough to amortize stream overhead, small enough to stream. */
const LINES_PER_CHUNK = 1000;

/**
 * Writes trades as NDJSON (one Trade per line, only the Trade fields, fixed order), the
 * format ReplayFeed reads. Streams with backpressure, so a generator of millions of
 * trades never sits in memory at once. Overwrites `path`.
 */
export async function writeNdjsonTrades(path: string, trades: Iterable<Trade>): Promise<void> {
  await pipeline(Readable.from(chunks(trades)), fs.createWriteStream(path, { encoding: 'utf8' }));
}

function* chunks(trades: Iterable<Trade>): Generator<string> {
  let lines: string[] = [];
  for (const { instrument, price, size, side, time, tradeId, source } of trades) {
    lines.push(JSON.stringify({ instrument, price, size, side, time, tradeId, source }));
    if (lines.length === LINES_PER_CHUNK) {
      yield lines.join('\n') + '\n';
      lines = [];
    }
  }
  if (lines.length > 0) yield lines.join('\n') + '\n';
}
