import type { Envelope } from '@mdg/bus';
import { MarketBusError } from '@mdg/model';

/** The wire form of an envelope on Redis (channels and snapshot keys): its JSON, made once per publish. */
export function encodeEnvelope(envelope: Envelope): string {
  try {
    return JSON.stringify(envelope);
  } catch (error) {
    throw new MarketBusError('encode', `the envelope cannot be serialized: ${String(error)}`, envelope.stream, { cause: error });
  }
}

/** Parses and shape-checks one envelope read from Redis; throws MarketBusError('decode') on anything else. */
export function decodeEnvelope(text: string, expectedStream?: string): Envelope {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MarketBusError('decode', `not JSON: ${(error as Error).message}`, expectedStream, { cause: error });
  }
  const problem = envelopeProblem(value);
  if (problem !== undefined) throw new MarketBusError('decode', problem, expectedStream);
  const envelope = value as Envelope;
  if (expectedStream !== undefined && envelope.stream !== expectedStream) {
    throw new MarketBusError('decode', `the envelope names stream ${JSON.stringify(envelope.stream)}`, expectedStream);
  }
  return envelope;
}

function envelopeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const e = value as Record<string, unknown>;
  if (typeof e['stream'] !== 'string' || e['stream'] === '') return 'stream must be a non-empty string';
  for (const field of ['epoch', 'seq', 'acceptedAt', 'publishedAt'] as const) {
    if (typeof e[field] !== 'number' || !Number.isFinite(e[field])) return `${field} must be a finite number`;
  }
  if (!('payload' in e)) return 'payload is missing';
  return undefined;
}
