import { ManualClock, TokenStoreError, WRAPPED_SOL_MINT, type TokenDefinition } from '@mdg/model';
import type { RegisteredToken, TokenRegistry } from '../token-registry';
import { eventually } from '@mdg/testing';

/** 2025-04-30T15:16:00Z */
const START_MS = 1_746_026_160_000;

/** Two real mainnet mints (BONK, USDC): valid base58 Solana addresses for token-store tests. */
export const CONTRACT_TOKENS: readonly [TokenDefinition, TokenDefinition] = [
  Object.freeze({ tokenAddress: 'DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263', quoteToken: WRAPPED_SOL_MINT, decimals: 5, symbol: 'BONK' }),
  Object.freeze({ tokenAddress: 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v', quoteToken: WRAPPED_SOL_MINT, decimals: 6, symbol: 'USDC' }),
];

/** The rejection of `promise`, which must be a TokenStoreError. */
export async function tokenStoreRejection(promise: Promise<unknown>): Promise<TokenStoreError> {
  let thrown: unknown;
  try {
    await promise;
  } catch (error) {
    thrown = error;
  }
  if (!(thrown instanceof TokenStoreError)) throw new Error(`expected a TokenStoreError, got ${String(thrown)}`);
  return thrown;
}

export interface TokenRegistryContractOptions {
  /** A fresh, empty store using `clock` for registeredAt; the suite closes it. */
  open(clock: ManualClock): Promise<TokenRegistry>;
  /**
   * For shared stores (file, Redis): a second store on the same storage as the last one
   * `open` returned, as another process or node would open it. Omitted for in-process stores.
   */
  openPeer?: () => Promise<TokenRegistry>;
}

/** The behaviour every TokenRegistry implementation must have. */
export function describeTokenRegistryContract(name: string, options: TokenRegistryContractOptions): void {
  describe(`${name} satisfies the TokenRegistry contract`, () => {
    let clock: ManualClock;
    let store: TokenRegistry;
    const peers: TokenRegistry[] = [];
    const [bonk, usdc] = CONTRACT_TOKENS;

    beforeEach(async () => {
      clock = new ManualClock(START_MS);
      store = await options.open(clock);
    });

    afterEach(async () => {
      await Promise.all(peers.splice(0).map((peer) => peer.close()));
      await store.close();
    });

    it('adds, gets and lists tokens oldest first, with when and how they were registered', async () => {
      expect(await store.list()).toEqual([]);
      const first = await store.add(usdc);
      clock.advance(1000);
      const second = await store.add({ ...bonk, extra: 'dropped' } as TokenDefinition, 'auto');
      expect(first).toEqual({ added: true, token: { ...usdc, registeredAt: START_MS, origin: 'manual' } });
      expect(second.token).toEqual({ ...bonk, registeredAt: START_MS + 1000, origin: 'auto' });
      expect(await store.list()).toEqual([first.token, second.token]);
      expect(await store.get(bonk.tokenAddress)).toEqual(second.token);
      expect(await store.get('nope')).toBeUndefined();
    });

    it('is idempotent for an identical definition and refuses a different one', async () => {
      const { token } = await store.add(bonk);
      clock.advance(5000);
      expect(await store.add({ ...bonk })).toEqual({ added: false, token });
      const conflict = await tokenStoreRejection(store.add({ ...bonk, decimals: 9 }));
      expect(conflict.reason).toBe('conflict');
      expect(conflict.message).toContain('remove it first');
      expect(await store.list()).toEqual([token]);
    });

    it('refuses malformed definitions as invalid-argument', async () => {
      const bad: unknown[] = [
        { ...bonk, tokenAddress: 'not-an-address' },
        { ...bonk, quoteToken: 'BTC' },
        { ...bonk, decimals: 19 },
        { ...bonk, decimals: 1.5 },
        { ...bonk, decimals: '6' },
        { ...bonk, symbol: 'has space' },
        { ...bonk, symbol: '' },
        null,
      ];
      for (const definition of bad) expect((await tokenStoreRejection(store.add(definition as TokenDefinition))).reason).toBe('invalid-argument');
      expect(await store.list()).toEqual([]);
    });

    it('removes a token, returning its registration; removing an unknown one returns undefined', async () => {
      const { token } = await store.add(bonk);
      await store.add(usdc);
      expect(await store.remove(bonk.tokenAddress)).toEqual(token);
      expect(await store.remove(bonk.tokenAddress)).toBeUndefined();
      expect((await store.list()).map((t) => t.symbol)).toEqual(['USDC']);
      // Once removed, it may be registered again with another definition.
      expect((await store.add({ ...bonk, decimals: 9 })).added).toBe(true);
    });

    it('notifies additions and removals made through this instance', async () => {
      const added: RegisteredToken[] = [];
      const removed: RegisteredToken[] = [];
      store.onAdded((token) => added.push(token));
      store.onRemoved((token) => removed.push(token));
      await store.add(bonk);
      await store.add(bonk);
      await store.remove(bonk.tokenAddress);
      await eventually(() => added.length === 1 && removed.length === 1, { timeoutMs: 2000, what: 'add and remove events' });
      expect(added[0]).toMatchObject(bonk);
      expect(removed[0]).toMatchObject(bonk);
    });

    it('fails once closed', async () => {
      await store.close();
      expect((await tokenStoreRejection(store.list())).reason).toBe('closed');
      expect((await tokenStoreRejection(store.add(bonk))).reason).toBe('closed');
    });

    const openPeer = options.openPeer;
    if (openPeer) {
      it('another instance on the same storage sees an added token within 2 s, and its removal', async () => {
        const peer = await openPeer();
        peers.push(peer);
        const added: RegisteredToken[] = [];
        const removed: RegisteredToken[] = [];
        peer.onAdded((token) => added.push(token));
        peer.onRemoved((token) => removed.push(token));
        const startedAt = Date.now();
        const { token } = await store.add(usdc);
        await eventually(() => added.length === 1, { timeoutMs: 2000, what: 'the token on the peer' });
        expect(Date.now() - startedAt).toBeLessThan(2000);
        expect(added[0]).toEqual(token);
        expect(await peer.get(usdc.tokenAddress)).toEqual(token);
        // The peer's own writes reach this instance too, and conflicts are seen across instances.
        expect((await tokenStoreRejection(peer.add({ ...usdc, symbol: 'OTHER' }))).reason).toBe('conflict');
        await peer.add(bonk);
        await eventually(async () => (await store.get(bonk.tokenAddress)) !== undefined, { timeoutMs: 2000, what: 'the peer’s token here' });
        await store.remove(usdc.tokenAddress);
        await eventually(() => removed.length === 1, { timeoutMs: 2000, what: 'the removal on the peer' });
        expect(removed[0]).toEqual(token);
        expect((await peer.list()).map((t) => t.symbol)).toEqual(['BONK']);
      });
    }
  });
}
