import type { Redis } from 'ioredis';
import { ServiceUnavailableError } from '@mdg/model';

/** Resolves when the connection is ready; rejects with ServiceUnavailableError after `timeoutMs` or when it ends. */
export function waitUntilReady(client: Redis, timeoutMs: number, what: string): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('end', onEnd);
    };
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    const onEnd = (): void => {
      cleanup();
      reject(new ServiceUnavailableError('redis', `${what} was closed before it connected`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new ServiceUnavailableError('redis', `${what} did not connect within ${timeoutMs} ms (connection ${client.status})`));
    }, timeoutMs);
    client.on('ready', onReady);
    client.on('end', onEnd);
  });
}
