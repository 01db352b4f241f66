import type { AdmittedSession, InboundRateLimiter, SessionEnd } from '@mdg/edge';
import type { ClientToServerEvents, ServerToClientEvents } from '@mdg/protocol';
import type { Namespace, Socket } from 'socket.io';
import type { PriceSubscription } from './price-subscription';

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
