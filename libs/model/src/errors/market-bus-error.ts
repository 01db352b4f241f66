import { MdgError } from './mdg-error';

/**
 * Why a market bus reported a background failure (these never throw at the caller: publish
 * and subscribe are fire-and-forget, so they reach the bus's onError listeners):
 * - `connection`: the connection to the broker failed or dropped (the bus reconnects);
 * - `encode`: an envelope could not be serialized (it is dropped);
 * - `decode`: a received message or stored snapshot is not a valid envelope (it is skipped);
 * - `handler`: a subscriber's handler threw (the other handlers still run);
 * - `publish` / `subscribe`: the broker refused or failed the command.
 */
export type MarketBusErrorReason = 'connection' | 'encode' | 'decode' | 'handler' | 'publish' | 'subscribe';

/** A background failure of a MarketBus implementation, with the stream it concerns when known. */
export class MarketBusError extends MdgError {
  constructor(
    readonly reason: MarketBusErrorReason,
    detail: string,
    readonly stream?: string,
    options?: { cause?: unknown },
  ) {
    super('BUS_ERROR', `Market bus error (${reason}${stream === undefined ? '' : ` on ${stream}`}): ${detail}`, options);
  }
}
