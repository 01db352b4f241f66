import type { FeedHandlers } from './feed';

/**
 * Wraps a consumer's handlers so a throwing handler can never escape a feed's timer or
 * stream callback (which would crash the process): a throwing onTrade is reported to
 * onError and the feed carries on; a throwing onError, having nowhere left to go,
 * becomes a process warning.
 */
export function guardHandlers(handlers: FeedHandlers, feedName: string): FeedHandlers {
  const onError = (error: Error): void => {
    try {
      handlers.onError(error);
    } catch (secondary) {
      process.emitWarning(`feed ${feedName}: onError handler threw: ${describe(secondary)} (while reporting: ${error.message})`);
    }
  };
  return {
    onTrade(trade) {
      try {
        handlers.onTrade(trade);
      } catch (error) {
        onError(error instanceof Error ? error : new Error(`feed ${feedName}: onTrade threw ${describe(error)}`));
      }
    },
    onError,
  };
}

function describe(value: unknown): string {
  return value instanceof Error ? value.message : String(value);
}
