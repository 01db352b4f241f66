import { decodeBase58, isSolanaAddress } from './base58';
import { WRAPPED_SOL_MINT } from './instrument';

const hex = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : Buffer.from(bytes).toString('hex'));

describe('decodeBase58', () => {
  it('decodes the wrapped SOL mint to its 32 bytes', () => {
    const bytes = decodeBase58('So11111111111111111111111111111111111111112');
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(bytes).toHaveLength(32);
    expect(hex(bytes)).toBe('069b8857feab8184fb687f634618c035dac439dc1aeb3b5598a0f00000000001');
  });

  it.each([
    ['', ''],
    ['2g', '61'],
    ['a3gV', '626262'],
    ['aPEr', '636363'],
    ['2cFupjhnEsSn59qHXstmK2ffpLv2', '73696d706c792061206c6f6e6720737472696e67'],
    ['1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L', '00eb15231dfceb60925886b67d065299925915aeb172c06647'],
    ['ABnLTmg', '516b6fcd0f'],
    ['3SEo3LWLoPntC', 'bf4f89001e670274dd'],
    ['3EFU7m', '572e4794'],
    ['EJDM8drfXA6uyA', 'ecac89cad93923c02321'],
    ['Rt5zm', '10c8511e'],
    ['1111111111', '00000000000000000000'],
    ['2NEpo7TZRRrLZSi2U', Buffer.from('Hello World!').toString('hex')],
  ])('known vector %j decodes to %s', (text, expectedHex) => {
    expect(hex(decodeBase58(text))).toBe(expectedHex);
  });

  it('keeps one zero byte per leading "1"', () => {
    expect(hex(decodeBase58('1'))).toBe('00');
    expect(hex(decodeBase58('11'))).toBe('0000');
    expect(hex(decodeBase58('112'))).toBe('000001');
  });

  it.each(['0', 'O', 'I', 'l', 'So1111111111111111111111111111111111111111O', 'abc+', 'ab c', 'abc\n', 'é'])(
    'rejects text with a character outside the alphabet: %j',
    (text) => {
      expect(decodeBase58(text)).toBeUndefined();
    },
  );
});

describe('isSolanaAddress', () => {
  it.each([
    WRAPPED_SOL_MINT,
    'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v',
    'DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263',
    '11111111111111111111111111111111',
  ])('accepts the 32-byte address %s', (address) => {
    expect(isSolanaAddress(address)).toBe(true);
  });

  it('rejects texts shorter than 32 or longer than 44 characters before decoding', () => {
    expect(isSolanaAddress('1'.repeat(31))).toBe(false);
    expect(isSolanaAddress(`${WRAPPED_SOL_MINT}2`)).toBe(false);
    expect(isSolanaAddress('')).toBe(false);
  });

  it('rejects well-sized texts that do not decode to exactly 32 bytes', () => {
    expect(decodeBase58('z'.repeat(44))).toHaveLength(33);
    expect(isSolanaAddress('z'.repeat(44))).toBe(false);
    expect(decodeBase58('2'.repeat(32))).toHaveLength(23);
    expect(isSolanaAddress('2'.repeat(32))).toBe(false);
  });

  it('rejects invalid characters in an otherwise valid-looking address', () => {
    expect(isSolanaAddress('So1111111111111111111111111111111111111111l')).toBe(false);
    expect(isSolanaAddress('0'.repeat(32))).toBe(false);
  });
});
