import { isAfter } from './stream-position';

describe('isAfter', () => {
  it.each([
    [{ epoch: 1, seq: 5 }, { epoch: 1, seq: 4 }, true],
    [{ epoch: 1, seq: 4 }, { epoch: 1, seq: 4 }, false],
    [{ epoch: 1, seq: 3 }, { epoch: 1, seq: 4 }, false],
    // A new epoch wins whatever its seq: the new owner may have restarted lower.
    [{ epoch: 2, seq: 1 }, { epoch: 1, seq: 99 }, true],
    [{ epoch: 1, seq: 99 }, { epoch: 2, seq: 1 }, false],
  ])('%j after %j: %s', (candidate, reference, expected) => {
    expect(isAfter(candidate, reference)).toBe(expected);
  });
});
