import WebSocket from 'ws';
import type { VenueTimers } from './venue-timers';

/**
 * One WebSocket of a VenueConnection and what the connection knows about it; the socket-level
 * chores (closing politely or cutting, reading a frame's text) live here, the lifecycle
 * decisions (reconnect, rotation, watchdog) in VenueConnection.
 */
export type LinkRole = 'active' | 'candidate' | 'draining' | 'dropped';

export interface Link {
  readonly id: number;
  readonly socket: WebSocket;
  readonly createdAt: number;
  openedAt: number | undefined;
  lastMessageAt: number;
  subscribed: boolean;
  delivered: boolean;
  role: LinkRole;
  lastError: Error | undefined;
  readonly closed: Promise<void>;
  cancelTimers: (() => void)[];
}

/** Time a stopping connection waits for the venue's close frame before cutting the socket. */
export const CLOSE_GRACE_MS = 1000;

/** Cut at once: a link we no longer trust (stale, abandoned); its close is ignored. */
export function dropLink(link: Link): void {
  link.role = 'dropped';
  link.socket.terminate();
}

/** Polite close with a bounded wait for the venue's close frame. */
export function closeLink(timers: VenueTimers, link: Link, code: number, reason: string): void {
  const state = link.socket.readyState;
  if (state === WebSocket.CLOSED) return;
  if (state === WebSocket.CONNECTING) {
    link.socket.terminate();
    return;
  }
  if (state === WebSocket.OPEN) link.socket.close(code, reason);
  link.cancelTimers.push(timers.after(CLOSE_GRACE_MS, () => link.socket.terminate()));
}

/** The text of a frame, whichever of its buffer shapes ws delivered. */
export function frameText(data: WebSocket.RawData): string {
  return Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
}

export function describeClose(code: number, reason: string, error: Error | undefined): string {
  const because = error ? `: ${error.message}` : '';
  return `closed (code ${code}${reason ? ` ${reason.slice(0, 120)}` : ''})${because}`;
}
