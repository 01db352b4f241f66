import { eventually, EventuallyTimeoutError, firstEvent } from './wait';

describe('eventually', () => {
  it('resolves as soon as a boolean check holds, checking again only while it does not', async () => {
    let calls = 0;
    await eventually(() => ++calls === 3, { what: 'the third call' });
    expect(calls).toBe(3);
  });

  it('hands over the first value that is not false, null or undefined (0 and "" count as found)', async () => {
    const answers: Array<number | string | null | undefined | false> = [undefined, null, false, 0];
    await expect(eventually(() => answers.shift(), { what: 'a number' })).resolves.toBe(0);
    await expect(eventually(async () => '', { what: 'a string' })).resolves.toBe('');
  });

  it('rejects after the timeout naming what never happened', async () => {
    const started = Date.now();
    const waiting = eventually(async () => false, { what: 'the impossible', timeoutMs: 50, intervalMs: 5 });
    await expect(waiting).rejects.toThrow('timed out after 50 ms waiting for the impossible');
    await expect(waiting).rejects.toBeInstanceOf(EventuallyTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
  });

  it('lets an error thrown by the check fail the wait at once instead of retrying it', async () => {
    let calls = 0;
    const failing = (): boolean => {
      calls += 1;
      throw new Error('broken check');
    };
    await expect(eventually(failing, { what: 'anything', timeoutMs: 5000 })).rejects.toThrow('broken check');
    expect(calls).toBe(1);
  });
});

describe('firstEvent', () => {
  it('resolves with the first event and unsubscribes', async () => {
    const listeners = new Set<(value: number) => void>();
    const subscribe = (listener: (value: number) => void): (() => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    };
    const first = firstEvent(subscribe, 1000, 'a number');
    for (const listener of [...listeners]) listener(7);
    await expect(first).resolves.toBe(7);
    expect(listeners.size).toBe(0);
  });
});
