import { parseDecimal } from './parse-decimal';
import { parseIsoMillis } from './parse-iso-millis';

describe('parseDecimal', () => {
  it('reads plain decimal strings', () => {
    expect(parseDecimal('0.00100000')).toBe(0.001);
    expect(parseDecimal('64123.5')).toBe(64123.5);
    expect(parseDecimal('100')).toBe(100);
  });

  it.each([['1e3'], ['-1'], [' 1'], ['0x10'], [''], ['.5'], ['5.'], ['NaN'], ['Infinity'], [12], [null]])('rejects %p', (value) => {
    expect(parseDecimal(value)).toBeUndefined();
  });
});

describe('parseIsoMillis', () => {
  it('truncates sub-millisecond fractions and honours offsets', () => {
    expect(parseIsoMillis('2019-08-14T20:42:27.265Z')).toBe(Date.UTC(2019, 7, 14, 20, 42, 27, 265));
    expect(parseIsoMillis('2023-06-23T20:31:26.122969572Z')).toBe(Date.UTC(2023, 5, 23, 20, 31, 26, 122));
    expect(parseIsoMillis('2023-06-23T20:31:26Z')).toBe(Date.UTC(2023, 5, 23, 20, 31, 26));
    expect(parseIsoMillis('2023-06-23T22:31:26.5+02:00')).toBe(Date.UTC(2023, 5, 23, 20, 31, 26, 500));
  });

  it.each([['2023-06-23 20:31:26Z'], ['2023-13-01T00:00:00Z'], ['2023-06-23T20:31:26'], ['1687552286122'], [1687552286122]])('rejects %p', (value) => {
    expect(parseIsoMillis(value)).toBeUndefined();
  });
});
