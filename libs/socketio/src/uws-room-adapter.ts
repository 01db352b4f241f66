import type { Namespace, Socket } from 'socket.io';
import { Adapter, type BroadcastOptions, type Room, type SocketId } from 'socket.io-adapter';
import type { TemplatedApp } from 'uWebSockets.js';
import { uwsWebSocketOf, type UwsTopicSocket } from './engine-connection';

/** How broadcasts went out; the gateway exposes these in its stats. */
export interface BroadcastCounters {
  /** One room (or the whole namespace), no exceptions: one `app.publish` for every WebSocket client. */
  fastPath: number;
  /** Several rooms or exceptions: encoded once, written to each socket through Engine.IO. */
  slowPath: number;
  /** Room members at publish time: messages handed to uWS / Engine.IO, before any backpressure drop. */
  recipients: number;
  /** Bytes handed over: each broadcast's frame size (as sent on a WebSocket) times its recipients. */
  bytes: number;
}

/** The separator Socket.IO's own uWS integration puts between namespace and room in topic names. */
const TOPIC_SEPARATOR = '\x1f';

interface EngineWriter {
  writeToEngine(encodedPackets: unknown[], options: { preEncoded: boolean; volatile?: boolean; compress?: boolean }): void;
}

interface PacketEncoder {
  encode(packet: unknown): (string | Uint8Array)[];
}

interface SocketIoPacket {
  nsp?: string;
}

/**
 * A Socket.IO adapter that broadcasts through uWS topics of ITS OWN app.
 *
 * Why not Socket.IO's built-in path: `io.attachApp(app)` patches socket.io-adapter's
 * `Adapter.prototype` globally with the last app attached (socket.io/dist/uws.js), so with
 * two gateways in one process every broadcast would be published on the last app. This
 * class implements the same scheme — topic `<namespace>\x1f<room>` per room, the namespace
 * name as topic for namespace-wide broadcasts — bound to the app given here, and replaces
 * every method the global patch touches (addAll, del, broadcast) plus delAll, so whatever
 * the patched prototype holds is never called.
 *
 * WebSocket clients are subscribed to the topics of their rooms; a broadcast to one room
 * without exceptions is encoded once and handed to `app.publish` (uWS writes the same bytes
 * to every subscriber, in C++). Long-polling clients have no uWS socket: they are tracked
 * apart and written through Engine.IO; when one upgrades, its rooms become subscriptions.
 */
export class UwsRoomAdapter extends Adapter {
  /** The adapter class Socket.IO should instantiate per namespace (its `adapter` option). */
  static bindTo(app: TemplatedApp, counters: BroadcastCounters): typeof Adapter {
    return class BoundUwsRoomAdapter extends UwsRoomAdapter {
      constructor(nsp: Namespace) {
        super(nsp, app, counters);
      }
    };
  }

  /** Sockets without a live uWS WebSocket (long-polling): they get broadcasts through Engine.IO. */
  private readonly pollingSids = new Set<SocketId>();
  private readonly packetEncoder: PacketEncoder;

  protected constructor(
    nsp: Namespace,
    private readonly app: TemplatedApp,
    private readonly counters: BroadcastCounters,
  ) {
    super(nsp);
    this.packetEncoder = (nsp.server as unknown as { encoder: PacketEncoder }).encoder;
  }

  override addAll(id: SocketId, rooms: Set<Room>): void {
    const isNew = !this.sids.has(id);
    this.record(id, rooms);
    const socket = this.socketOf(id);
    if (socket === undefined) return;
    const websocket = uwsWebSocketOf(socket.conn);
    if (websocket !== undefined) {
      this.subscribe(websocket, isNew, rooms);
      return;
    }
    if (!isNew) return;
    this.pollingSids.add(id);
    // Engine.IO switches `conn.transport` before emitting "upgrade" and flushes its write
    // buffer right after, so subscribing here keeps the order of everything sent.
    socket.conn.once('upgrade', () => {
      this.pollingSids.delete(id);
      const current = this.sids.get(id);
      const upgraded = uwsWebSocketOf(socket.conn);
      if (current !== undefined && upgraded !== undefined) this.subscribe(upgraded, true, current);
    });
  }

  override del(id: SocketId, room: Room): void {
    this.sids.get(id)?.delete(room);
    this.removeFromRoom(room, id);
    const socket = this.socketOf(id);
    if (socket !== undefined) uwsWebSocketOf(socket.conn)?.unsubscribe(this.topic(room));
  }

  override delAll(id: SocketId): void {
    const rooms = this.sids.get(id);
    this.pollingSids.delete(id);
    if (rooms === undefined) return;
    const socket = this.socketOf(id);
    // Undefined once the connection is closed: uWS dropped its subscriptions with the socket.
    const websocket = socket === undefined ? undefined : uwsWebSocketOf(socket.conn);
    for (const room of rooms) {
      this.removeFromRoom(room, id);
      websocket?.unsubscribe(this.topic(room));
    }
    websocket?.unsubscribe(this.namespace.name);
    this.sids.delete(id);
  }

  override broadcast(packet: SocketIoPacket, opts: BroadcastOptions): void {
    if (opts.rooms.size > 1 || (opts.except !== undefined && opts.except.size > 0)) {
      this.broadcastEach(packet, opts);
      return;
    }
    const flags = opts.flags ?? {};
    packet.nsp = this.namespace.name;
    const encoded = this.packetEncoder.encode(packet);
    const room: Room | undefined = opts.rooms.values().next().value;
    const topic = room === undefined ? this.namespace.name : this.topic(room);
    for (const part of encoded) {
      const isBinary = typeof part !== 'string';
      // Over WebSocket one frame is one Engine.IO packet; "4" is its "message" type.
      this.app.publish(topic, isBinary ? part : `4${part}`, isBinary);
    }
    const members = room === undefined ? undefined : this.rooms.get(room);
    if (room === undefined || members !== undefined) {
      const writeOptions = { preEncoded: true, volatile: flags.volatile, compress: flags.compress };
      for (const sid of this.pollingSids) {
        if (members !== undefined && !members.has(sid)) continue;
        const socket = this.namespace.sockets.get(sid);
        if (socket !== undefined) (socket.client as unknown as EngineWriter).writeToEngine(encoded, writeOptions);
      }
    }
    const recipients = room === undefined ? this.sids.size : (members?.size ?? 0);
    this.counters.fastPath += 1;
    this.counters.recipients += recipients;
    this.counters.bytes += recipients * frameBytes(encoded);
  }

  /** The general case: every target socket individually, through Engine.IO (what the in-memory adapter does). */
  private broadcastEach(packet: SocketIoPacket, opts: BroadcastOptions): void {
    const flags = opts.flags ?? {};
    packet.nsp = this.namespace.name;
    const encoded = this.packetEncoder.encode(packet);
    const writeOptions = { preEncoded: true, volatile: flags.volatile, compress: flags.compress };
    const targets = this.targets(opts);
    for (const socket of targets) {
      const outgoing = (socket as unknown as { notifyOutgoingListeners?: (packet: unknown) => void }).notifyOutgoingListeners;
      if (typeof outgoing === 'function') outgoing.call(socket, packet);
      (socket.client as unknown as EngineWriter).writeToEngine(encoded, writeOptions);
    }
    this.counters.slowPath += 1;
    this.counters.recipients += targets.length;
    this.counters.bytes += targets.length * frameBytes(encoded);
  }

  private targets(opts: BroadcastOptions): Socket[] {
    const excluded = new Set<SocketId>();
    for (const room of opts.except ?? []) for (const sid of this.rooms.get(room) ?? []) excluded.add(sid);
    const ids = new Set<SocketId>();
    if (opts.rooms.size === 0) for (const sid of this.sids.keys()) ids.add(sid);
    else for (const room of opts.rooms) for (const sid of this.rooms.get(room) ?? []) ids.add(sid);
    const targets: Socket[] = [];
    for (const sid of ids) {
      if (excluded.has(sid)) continue;
      const socket = this.namespace.sockets.get(sid);
      if (socket !== undefined) targets.push(socket);
    }
    return targets;
  }

  private subscribe(websocket: UwsTopicSocket, isNew: boolean, rooms: Iterable<Room>): void {
    if (isNew) websocket.subscribe(this.namespace.name);
    for (const room of rooms) websocket.subscribe(this.topic(room));
  }

  private topic(room: Room): string {
    return `${this.namespace.name}${TOPIC_SEPARATOR}${room}`;
  }

  private get namespace(): Namespace {
    return this.nsp as Namespace;
  }

  /** Connected sockets, and sockets still in the namespace's middlewares (they may join rooms there). */
  private socketOf(id: SocketId): Socket | undefined {
    const preConnect = (this.nsp as { _preConnectSockets?: Map<SocketId, Socket> })._preConnectSockets;
    return this.namespace.sockets.get(id) ?? preConnect?.get(id);
  }

  /** The in-memory bookkeeping of socket.io-adapter's addAll, with the same events. */
  private record(id: SocketId, rooms: Set<Room>): void {
    let joined = this.sids.get(id);
    if (joined === undefined) {
      joined = new Set();
      this.sids.set(id, joined);
    }
    for (const room of rooms) {
      joined.add(room);
      let members = this.rooms.get(room);
      if (members === undefined) {
        members = new Set();
        this.rooms.set(room, members);
        this.emit('create-room', room);
      }
      if (!members.has(id)) {
        members.add(id);
        this.emit('join-room', room, id);
      }
    }
  }

  /** The in-memory bookkeeping of socket.io-adapter's _del, with the same events. */
  private removeFromRoom(room: Room, id: SocketId): void {
    const members = this.rooms.get(room);
    if (members === undefined) return;
    if (members.delete(id)) this.emit('leave-room', room, id);
    if (members.size === 0 && this.rooms.delete(room)) this.emit('delete-room', room);
  }
}

/** Size of an encoded packet as WebSocket frames: text parts carry Engine.IO's one-byte "4" prefix. */
function frameBytes(encoded: readonly (string | Uint8Array)[]): number {
  let bytes = 0;
  for (const part of encoded) bytes += typeof part === 'string' ? Buffer.byteLength(part) + 1 : part.byteLength;
  return bytes;
}
