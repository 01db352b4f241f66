import { InstrumentRegistry, type TokenStoreError } from '@mdg/model';
import { CONTRACT_TOKENS } from './testing';
import { MemoryTokenRegistry } from './memory-token-registry';
import { trackRegisteredTokens } from './track-registered-tokens';

describe('trackRegisteredTokens', () => {
  const [bonk, usdc] = CONTRACT_TOKENS;

  it('registers the stored tokens, then every token added later; stops when told', async () => {
    const store = new MemoryTokenRegistry();
    await store.add(bonk);
    const registry = new InstrumentRegistry();
    const errors: TokenStoreError[] = [];
    const stop = await trackRegisteredTokens(store, registry, (error) => errors.push(error));
    expect(registry.findToken(bonk.tokenAddress)).toMatchObject(bonk);
    await store.add(usdc);
    expect(registry.findToken(usdc.tokenAddress)).toMatchObject({ symbol: 'USDC', decimals: 6 });
    stop();
    await store.remove(usdc.tokenAddress);
    await store.add({ ...usdc, decimals: 9, symbol: 'USDC9' });
    // Removal is not applied and, once stopped, nothing more is registered.
    expect(registry.findToken(usdc.tokenAddress)).toMatchObject({ decimals: 6 });
    expect(errors).toEqual([]);
    await store.close();
  });

  it('reports a redefinition it cannot apply before restart as a conflict', async () => {
    const store = new MemoryTokenRegistry();
    const registry = new InstrumentRegistry([{ ...bonk, decimals: 9 }]);
    const errors: TokenStoreError[] = [];
    const stop = await trackRegisteredTokens(store, registry, (error) => errors.push(error));
    await store.add(bonk);
    expect(errors.map((error) => error.reason)).toEqual(['conflict']);
    expect(errors[0]!.message).toContain('until it restarts');
    expect(registry.findToken(bonk.tokenAddress)).toMatchObject({ decimals: 9 });
    stop();
    await store.close();
  });
});
