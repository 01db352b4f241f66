import type { LivenessHandlers } from './liveness-handlers';

/**
 * Wraps a consumer's handlers so a throwing handler can never escape a socket callback or a
 * timer (which would crash the process): a throwing onTrade or onHeartbeat is reported to
 * onError and the feed carries on; a throwing onError, having nowhere left to go, becomes a
 * process warning. (Same contract as @mdg/feeds' internal guard, plus onHeartbeat.)
 */
export function guardLivenessHandlers(handlers: LivenessHandlers, feedName: string): Required<LivenessHandlers> {
  const onError = (error: Error): void => {
    try {
      handlers.onError(error);
    } catch (secondary) {
      process.emitWarning(`feed ${feedName}: onError handler threw: ${describe(secondary)} (while reporting: ${error.message})`);
    }
  };
  const heartbeat = handlers.onHeartbeat?.bind(handlers);
  return {
    onTrade(trade) {
      try {
        handlers.onTrade(trade);
      } catch (error) {
        onError(error instanceof Error ? error : new Error(`feed ${feedName}: onTrade threw ${describe(error)}`));
      }
    },
    onHeartbeat(instruments) {
      if (!heartbeat) return;
      try {
        heartbeat(instruments);
      } catch (error) {
        onError(error instanceof Error ? error : new Error(`feed ${feedName}: onHeartbeat threw ${describe(error)}`));
      }
    },
    onError,
  };
}

function describe(value: unknown): string {
  return value instanceof Error ? value.message : String(value);
}
