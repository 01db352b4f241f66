import type { AdmittedSession, InboundRateLimiter, SessionEnd } from '@mdg/edge';
import type { PriceSymbol } from '@mdg/model';
import type { Namespace, Socket } from 'socket.io';
import type { PriceSubscription } from './price-subscription';
import type { PriceUpdate } from './price-update';

/** The answer to a `subscribe`/`unsubscribe` sent with an ack callback. */
export type SymbolsAck =
  | { ok: true; symbols: PriceSymbol[] }
  | { ok: false; error: string; code?: 'INVALID_PAYLOAD' | 'UNKNOWN_SYMBOL' | 'RATE_LIMITED' };

export interface ServerToClientEvents {
  'initial-prices': (updates: PriceUpdate[]) => void;
  'price-update': (update: PriceUpdate) => void;
}

export interface ClientToServerEvents {
  subscribe: (...args: unknown[]) => void;
  unsubscribe: (...args: unknown[]) => void;
}

/** What the auth middleware leaves on a socket it lets in. */
export interface SocketData {
  /** The session layer's record of the connection (opened before Socket.IO connects the socket). */
  admitted?: AdmittedSession;
  /** Set when the session layer cut the connection before Socket.IO had connected it. */
  ended?: SessionEnd;
}

export type GatewaySocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type GatewayNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** One connected `/api-ws` client. */
export interface PriceSession {
  readonly socket: GatewaySocket;
  readonly admitted: AdmittedSession;
  readonly subscription: PriceSubscription;
  readonly inbound: InboundRateLimiter;
}
