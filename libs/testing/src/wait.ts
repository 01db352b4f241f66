import { setTimeout as delay } from 'node:timers/promises';

/** Resolves with the first event `subscribe` delivers; rejects after `timeoutMs`. Unsubscribes and clears its timer either way. */
export function firstEvent<T>(subscribe: (listener: (value: T) => void) => () => void, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`no ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    const unsubscribe = subscribe((value) => {
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
    });
  });
}

/** Polls `check` every 25 ms until it returns true; rejects after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not seen within ${timeoutMs} ms`);
    await delay(25);
  }
}
