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

export interface EventuallyOptions {
  /** Names the awaited state in the timeout error, so a failing test says what never happened. */
  what: string;
  /** Give up after this long (default 5000 ms). */
  timeoutMs?: number;
  /** Pause between checks (default 10 ms): short enough not to slow tests, long enough not to spin the event loop. */
  intervalMs?: number;
}

/** What `eventually` rejects with when the state never came, so a caller that may give up (the benchmarks) can tell a timeout from a broken check. */
export class EventuallyTimeoutError extends Error {
  override readonly name = 'EventuallyTimeoutError';
}

/** What `eventually` treats as "not yet": everything else ends the wait. */
type NotYet = false | null | undefined;

/**
 * Polls `check` until it returns something other than false, null or undefined, and resolves
 * with that value (so a check can both wait for a state and hand it over). Rejects after
 * `timeoutMs` with an EventuallyTimeoutError naming `what`. An exception thrown by `check`
 * ends the wait at once: a broken check should fail the test, not be retried into a timeout.
 */
export async function eventually(check: () => boolean | Promise<boolean>, options: EventuallyOptions): Promise<void>;
export async function eventually<T>(check: () => T | NotYet | Promise<T | NotYet>, options: EventuallyOptions): Promise<T>;
export async function eventually<T>(check: () => T | NotYet | Promise<T | NotYet>, options: EventuallyOptions): Promise<T> {
  const { what, timeoutMs = 5000, intervalMs = 10 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== false && value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new EventuallyTimeoutError(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(intervalMs);
  }
}
