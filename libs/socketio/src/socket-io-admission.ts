import type { Admission, Admitter, SessionEnd } from '@mdg/edge';
import type { Socket } from 'socket.io';
import { ConnectionRefusedError } from './connection-refused-error';
import type { GatewaySocket } from './gateway-socket';

export interface SocketIoAdmissionDeps {
  admitter: Admitter;
  /** The address failed logins are limited under. */
  remoteAddress(socket: Socket): string;
  /** Admissions wait for it, so the first clients get complete initial-prices. */
  ready(): Promise<void>;
  /** False once the gateway is closing. */
  isLive(): boolean;
  /** The session layer cut a connection (revocation, plan change, lost lease). */
  end(socket: GatewaySocket, cause: SessionEnd): void;
  reportError(error: Error): void;
}

/**
 * The `/api-ws` namespace middleware: `handshake.auth.apiKey` goes to the edge session layer;
 * a refusal reaches the client as its `connect_error` (ConnectionRefusedError), an admission
 * is opened in the session layer before Socket.IO connects the socket, so a key revoked or
 * downgraded during the admission is still refused with a `connect_error`.
 */
export class SocketIoAdmission {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly deps: SocketIoAdmissionDeps) {}

  middleware(socket: GatewaySocket, next: (error?: Error) => void): void {
    const task: Promise<void> = this.decide(socket)
      .then((outcome) => this.conclude(socket, next, outcome))
      .catch((error: unknown) =>
        this.deps.reportError(new Error(`the /api-ws auth middleware failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error })),
      )
      .finally(() => this.pending.delete(task));
    this.pending.add(task);
  }

  /** Resolves once every admission in flight has concluded. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async decide(socket: GatewaySocket): Promise<Admission> {
    await this.deps.ready();
    const auth: unknown = socket.handshake.auth;
    const apiKey = typeof auth === 'object' && auth !== null ? (auth as Record<string, unknown>)['apiKey'] : undefined;
    return this.deps.admitter.admit(apiKey, this.deps.remoteAddress(socket));
  }

  private conclude(socket: GatewaySocket, next: (error?: Error) => void, outcome: Admission): void {
    const { admitter } = this.deps;
    if (!outcome.ok) {
      next(new ConnectionRefusedError(outcome.refusal));
      return;
    }
    if (!this.deps.isLive() || socket.conn.readyState !== 'open') {
      // Closed meanwhile (gateway or client): Socket.IO will not connect it, so give the slot back.
      admitter.abandon(outcome.ticket);
      next(new ConnectionRefusedError({ code: 'SERVICE_UNAVAILABLE', cause: 'shutting_down' }));
      return;
    }
    const opened = admitter.open(outcome.ticket, (cause) => this.deps.end(socket, cause));
    if (!opened.ok) {
      next(new ConnectionRefusedError(opened.refusal));
      return;
    }
    const session = opened.session;
    socket.data.admitted = session;
    next();
    // Socket.IO connects the socket in a process.nextTick queued by next(); ticks run in order,
    // so this one sees the outcome. A socket it dropped (connection closed) keeps no slot.
    process.nextTick(() => {
      if (!socket.connected) session.release();
    });
  }
}
