import type { Envelope } from '@mdg/bus';
import type { CandleUpdate, TokenInstrument } from '@mdg/model';
import { ChartLiveHarness, type CandleSpec } from './chart-live-harness';
import { memoryHistoryBackend, type HistoryBackend } from './history-backend';
import type { TestClient } from './test-client';

/** One token's 1 s stream on a fresh endpoint whose every published candle is also queued for the history store. */
export interface StoredTokenStream {
  readonly harness: ChartLiveHarness;
  readonly backend: HistoryBackend;
  readonly token: TokenInstrument;
  /** Publishes a 1 s candle of the token and queues it for the store, as the engine's persist path would. */
  publish(spec: CandleSpec): Envelope<CandleUpdate>;
  /** A free-plan client (its own user) subscribed to the token's 1 s stream with extra subscription fields; the confirmation is consumed. */
  subscribed(subscription: Record<string, unknown>): Promise<TestClient>;
}

/**
 * Registers beforeEach/afterEach that start and close a StoredTokenStream; the returned
 * getter gives the current one. Shared by the subscription-option specs (closedOnly, flat),
 * which all need the same live + history setup.
 */
export function useStoredTokenStream(): () => StoredTokenStream {
  let current: StoredTokenStream | undefined;

  beforeEach(async () => {
    const backend = memoryHistoryBackend();
    const harness = await ChartLiveHarness.start({ history: backend.history });
    const token = harness.token(0);
    current = {
      harness,
      backend,
      token,
      publish: (spec) => {
        const envelope = harness.publish(token, 1, spec);
        backend.queue.enqueue([envelope.payload]);
        return envelope;
      },
      subscribed: async (subscription) => {
        const client = await harness.connectReady(await harness.createKey('free', `user-${Math.random()}`));
        client.send({ tokenAddress: token.tokenAddress, timeframe: 1, ...subscription });
        const confirmation = (await client.nextJson()) as { type?: unknown };
        expect(confirmation.type).toBe('subscriptionConfirmed');
        return client;
      },
    };
  });

  afterEach(async () => {
    const stream = current;
    current = undefined;
    if (stream === undefined) return;
    await stream.harness.close();
    await stream.backend.close();
  });

  return () => {
    if (current === undefined) throw new Error('useStoredTokenStream: used outside a test');
    return current;
  };
}
