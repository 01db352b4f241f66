import type { Socket } from 'socket.io';

/** Engine.IO's connection under a Socket.IO socket (typed through socket.io, which bundles engine.io). */
export type EngineSocket = Socket['conn'];

/** The part of a uWS WebSocket this adapter uses. */
export interface UwsTopicSocket {
  subscribe(topic: string): boolean;
  unsubscribe(topic: string): boolean;
  getBufferedAmount(): number;
}

/**
 * The uWS WebSocket under an Engine.IO connection, while it is usable. Engine.IO's uWS
 * transport (engine.io/build/transports-uws/websocket.js) keeps it as `transport.socket`,
 * set in the route's `open` handler; the `close` handler marks the transport `closed`,
 * after which uWS invalidates the object (any call on it throws). Not public API of
 * engine.io, hence the structural checks: undefined means "not a live uWS WebSocket".
 */
export function uwsWebSocketOf(conn: EngineSocket): UwsTopicSocket | undefined {
  const transport = conn.transport as unknown as { name?: unknown; readyState?: unknown; socket?: unknown };
  if (transport.name !== 'websocket' || transport.readyState !== 'open') return undefined;
  const socket = transport.socket as Partial<UwsTopicSocket> | undefined;
  if (typeof socket !== 'object' || socket === null) return undefined;
  if (typeof socket.subscribe !== 'function' || typeof socket.getBufferedAmount !== 'function') return undefined;
  return socket as UwsTopicSocket;
}

/**
 * Bytes waiting to reach the client: uWS backpressure of a WebSocket, plus Engine.IO's own
 * write buffer (where a long-polling client's messages wait for its next poll, unbounded).
 * String lengths stand for bytes: close enough for a threshold measured in megabytes.
 */
export function bufferedBytes(conn: EngineSocket): number {
  let total = uwsWebSocketOf(conn)?.getBufferedAmount() ?? 0;
  const writeBuffer = (conn as unknown as { writeBuffer?: unknown }).writeBuffer;
  if (Array.isArray(writeBuffer)) {
    for (const packet of writeBuffer as { data?: unknown }[]) {
      const data = packet.data;
      if (typeof data === 'string') total += data.length;
      else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) total += data.byteLength;
    }
  }
  return total;
}
