import { ManualClock, WRAPPED_SOL_MINT } from '@mdg/model';
import { CONTRACT_TOKENS } from './testing';
import { MemoryTokenRegistry } from './memory-token-registry';
import { runTokensCommand, TOKENS_USAGE } from './tokens-cli';

const START = Date.UTC(2025, 3, 30, 15, 16);
const [bonk, usdc] = CONTRACT_TOKENS;

describe('runTokensCommand', () => {
  let store: MemoryTokenRegistry;
  let clock: ManualClock;
  let lines: string[];

  async function run(...args: string[]): Promise<number> {
    lines = [];
    return runTokensCommand(args, store, (line) => lines.push(line));
  }

  beforeEach(() => {
    clock = new ManualClock(START);
    store = new MemoryTokenRegistry({ clock });
  });

  afterEach(async () => {
    await store.close();
  });

  it('adds a token (the issue’s exact command line) and lists it', async () => {
    expect(await run('tokens', 'add', bonk.tokenAddress, '--decimals', '5', '--quote', WRAPPED_SOL_MINT, '--symbol', 'BONK')).toBe(0);
    expect(lines[0]).toBe(`Tracking BONK (${bonk.tokenAddress}): 5 decimals, quoted in ${WRAPPED_SOL_MINT}.`);
    expect(await store.get(bonk.tokenAddress)).toEqual({ ...bonk, registeredAt: START, origin: 'manual' });
    clock.advance(60_000);
    expect(await run('add', usdc.tokenAddress, '--decimals=6', '--symbol=USDC')).toBe(0);

    expect(await run('list')).toBe(0);
    expect(lines[0]).toMatch(/^ADDRESS\s+SYMBOL\s+DECIMALS\s+QUOTE\s+REGISTERED\s+ORIGIN$/);
    expect(lines[1]!.split(/\s+/)).toEqual([bonk.tokenAddress, 'BONK', '5', WRAPPED_SOL_MINT, '2025-04-30T15:16:00.000Z', 'manual']);
    expect(lines[2]!.split(/\s+/)).toEqual([usdc.tokenAddress, 'USDC', '6', WRAPPED_SOL_MINT, '2025-04-30T15:17:00.000Z', 'manual']);
    expect(lines[3]).toBe('2 token(s).');
    expect(lines[1]!.indexOf('BONK')).toBe(lines[0]!.indexOf('SYMBOL'));
  });

  it('re-adding the same definition is a no-op; a different one fails with exit 1', async () => {
    await run('add', bonk.tokenAddress, '--decimals', '5', '--symbol', 'BONK');
    expect(await run('add', bonk.tokenAddress, '--decimals', '5', '--symbol', 'BONK')).toBe(0);
    expect(lines[0]).toContain('already tracked');
    expect(await run('add', bonk.tokenAddress, '--decimals', '9', '--symbol', 'BONK')).toBe(1);
    expect(lines[0]).toMatch(/^error: Token store error \(conflict\)/);
  });

  it('removes a token and says running nodes keep it until restart; an unknown one exits 1', async () => {
    await run('add', bonk.tokenAddress, '--decimals', '5', '--symbol', 'BONK');
    expect(await run('remove', bonk.tokenAddress)).toBe(0);
    expect(lines.join('\n')).toContain('until they restart');
    expect(await store.list()).toEqual([]);
    expect(await run('remove', bonk.tokenAddress)).toBe(1);
    expect(lines).toEqual([`error: ${bonk.tokenAddress} is not tracked`]);
    expect(await run('list')).toBe(0);
    expect(lines).toEqual(['No tokens tracked.']);
  });

  it.each([
    [[], 'missing command'],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['add'], 'missing MINT'],
    [['add', bonk.tokenAddress, '--symbol', 'BONK'], '--decimals is required'],
    [['add', bonk.tokenAddress, '--decimals', '5'], '--symbol is required'],
    [['add', bonk.tokenAddress, '--decimals', 'six', '--symbol', 'BONK'], '--decimals must be an integer 0..18'],
    [['add', bonk.tokenAddress, '--decimals', '5', '--symbol'], '--symbol needs a value'],
    [['add', bonk.tokenAddress, '--decimals', '5', '--decimals', '6', '--symbol', 'B'], '--decimals given twice'],
    [['add', bonk.tokenAddress, '--decimals', '5', '--symbol', 'B', '--color', 'red'], 'unknown option --color'],
    [['add', bonk.tokenAddress, 'extra', '--decimals', '5', '--symbol', 'B'], 'unexpected argument "extra"'],
    [['add', 'not-a-mint', '--decimals', '5', '--symbol', 'B'], 'is not a base58 Solana address'],
    [['add', bonk.tokenAddress, '--decimals', '19', '--symbol', 'B'], 'decimals must be an integer 0..18'],
    [['add', bonk.tokenAddress, '--decimals', '5', '--symbol', 'B', '--quote', 'USD'], 'quoteToken'],
    [['add', bonk.tokenAddress, '--decimals', '5', '--symbol', 'has space'], 'symbol must be'],
    [['remove'], 'missing MINT'],
    [['list', 'extra'], 'unexpected argument "extra"'],
  ])('%j is a usage error (exit 2, with the usage)', async (args, message) => {
    expect(await run(...args)).toBe(2);
    expect(lines[0]).toContain(message);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[1]).toBe(TOKENS_USAGE);
    expect(await store.list()).toEqual([]);
  });

  it('prints the usage for help', async () => {
    expect(await run('help')).toBe(0);
    expect(lines).toEqual([TOKENS_USAGE]);
  });

  it('a store failure exits 1 with the reason', async () => {
    await store.close();
    expect(await run('list')).toBe(1);
    expect(lines).toEqual(['error: Token store error (closed): the token store is closed']);
  });
});
