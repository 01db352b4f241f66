import { InvalidFeedInputError, VenueConnectionError, VenueStaleError } from '@mdg/model';
import WebSocket from 'ws';
import type { DecodedFrame } from './decoded-frame';
import { RecentIdSet } from './recent-id-set';
import { ReconnectBackoff } from './reconnect-backoff';
import { SendRateLimiter } from './send-rate-limiter';
import type { VenueConnectionEvent } from './venue-connection-event';
import type { VenueConnectionListener, VenueConnectionOptions } from './venue-connection-options';
import type { VenueConnectionStats } from './venue-connection-stats';
import type { VenueProtocol } from './venue-protocol';
import { closeLink, describeClose, dropLink, frameText, type Link } from './venue-link';
import type { VenueTimers } from './venue-timers';

/**
 * Keeps one logical subscription to a venue alive over a sequence of WebSocket connections.
 *
 * - Reconnect: when the active connection is lost, a new one is opened after an exponential,
 *   jittered backoff; the backoff resets once a connection delivers trades.
 * - Watchdog: no message for `staleAfterMs` on the active connection → it is cut and replaced.
 * - Subscribes: every connection re-sends the protocol's subscribe messages, paced by one
 *   sliding-window limiter shared by all connections, so the venue's inbound limit holds even
 *   while two connections overlap.
 * - Rotation (make-before-break): before the venue's connection lifetime runs out, or when it
 *   announces a shutdown, a candidate connection is opened and subscribed while the old one
 *   keeps delivering; once the candidate delivers trades it becomes active and the old one is
 *   closed `rotationOverlapMs` later. Trades of both pass through one bounded dedup on
 *   (instrument, venue trade id), so nothing is missed or doubled across the switch.
 */
export class VenueConnection {
  private readonly protocol: VenueProtocol;
  private readonly timers: VenueTimers;
  private readonly limiter: SendRateLimiter;
  private readonly backoff: ReconnectBackoff;
  private readonly rotationBackoff: ReconnectBackoff;
  private readonly dedup: RecentIdSet;
  private readonly links = new Set<Link>();
  private active: Link | undefined;
  private candidate: Link | undefined;
  private linkCounter = 0;
  private started = false;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private cancelTick: (() => void) | undefined;
  private cancelReconnect: (() => void) | undefined;
  private rotationRetryAt = 0;
  private shutdownPending = false;
  private state: 'live' | 'stale' = 'stale';
  private readonly counters = { reconnects: 0, staleReconnects: 0, rotations: 0, duplicates: 0, shutdownNotices: 0 };

  constructor(
    private readonly options: VenueConnectionOptions,
    private readonly listener: VenueConnectionListener,
  ) {
    this.protocol = options.protocol;
    this.timers = options.timers;
    this.limiter = new SendRateLimiter(options.rateLimit, options.timers);
    this.backoff = new ReconnectBackoff(options.backoff, options.random);
    this.rotationBackoff = new ReconnectBackoff(options.backoff, options.random);
    this.dedup = new RecentIdSet(options.dedupCapacity);
  }

  start(): void {
    if (this.started) throw new Error(`${this.protocol.venue} connection: start() called twice`);
    this.started = true;
    // The watchdog and the rotation clock share one tick, a quarter of the shorter of the two.
    const horizon = Math.min(this.options.staleAfterMs, this.options.rotateAfterMs ?? Infinity);
    this.cancelTick = this.timers.every(Math.min(1000, Math.max(5, Math.floor(horizon / 4))), () => this.tick());
    this.active = this.openLink('active', 'initial');
    if (!this.active) this.scheduleReconnect();
  }

  /** Idempotent; resolves once every socket is closed and no listener call will follow. */
  stop(): Promise<void> {
    if (this.stopped) return this.stopped;
    this.stopping = true;
    this.cancelTick?.();
    this.cancelReconnect?.();
    this.cancelTick = undefined;
    this.cancelReconnect = undefined;
    this.limiter.dispose();
    const closing = [...this.links].map((link) => {
      closeLink(this.timers, link, 1000, 'client stopping');
      return link.closed;
    });
    this.stopped = Promise.all(closing).then(() => undefined);
    return this.stopped;
  }

  stats(): VenueConnectionStats {
    return { ...this.counters, openConnections: [...this.links].filter((link) => link.socket.readyState === WebSocket.OPEN).length };
  }

  private openLink(role: 'active' | 'candidate', purpose: 'initial' | 'reconnect' | 'rotation'): Link | undefined {
    const id = ++this.linkCounter;
    const url = this.protocol.connectUrl();
    this.emitEvent({ type: 'connecting', link: id, purpose });
    let socket: WebSocket;
    try {
      socket = new WebSocket(url, { handshakeTimeout: this.options.connectTimeoutMs, maxPayload: this.options.maxPayloadBytes, perMessageDeflate: false });
    } catch (error) {
      this.listener.error(new VenueConnectionError(this.protocol.venue, `cannot open ${url}: ${describe(error)}`, { cause: error }));
      return undefined;
    }
    let resolveClosed: () => void = () => undefined;
    const now = this.timers.now();
    const link: Link = {
      id,
      socket,
      createdAt: now,
      openedAt: undefined,
      lastMessageAt: now,
      subscribed: false,
      delivered: false,
      role,
      lastError: undefined,
      closed: new Promise<void>((resolve) => {
        resolveClosed = resolve;
      }),
      cancelTimers: [],
    };
    this.links.add(link);
    socket.on('open', () => this.onOpen(link));
    socket.on('message', (data, isBinary) => this.onMessage(link, data, isBinary));
    // 'close' always follows 'error'; the error only explains the close.
    socket.on('error', (error) => {
      link.lastError = error;
    });
    socket.on('close', (code, reason) => {
      this.onClose(link, code, reason.toString());
      resolveClosed();
    });
    return link;
  }

  private onOpen(link: Link): void {
    const now = this.timers.now();
    link.openedAt = now;
    link.lastMessageAt = now;
    if (this.stopping || link.role === 'dropped' || link.role === 'draining') return;
    this.emitEvent({ type: 'open', link: link.id });
    const messages = this.protocol.subscribeMessages();
    const markSubscribed = (): void => {
      link.subscribed = true;
      this.emitEvent({ type: 'subscribed', link: link.id, messages: messages.length });
      this.maybePromote(link);
      this.updateState();
    };
    if (messages.length === 0) {
      markSubscribed();
      return;
    }
    const isLive = (): boolean => !this.stopping && link.socket.readyState === WebSocket.OPEN && (link.role === 'active' || link.role === 'candidate');
    messages.forEach((message, index) => {
      this.limiter.schedule(() => {
        link.socket.send(message, (error) => {
          if (error) link.lastError = error;
        });
        if (index === messages.length - 1) markSubscribed();
      }, isLive);
    });
  }

  private onMessage(link: Link, data: WebSocket.RawData, isBinary: boolean): void {
    if (this.stopping || link.role === 'dropped') return;
    link.lastMessageAt = this.timers.now();
    if (isBinary) {
      this.listener.rejected(new InvalidFeedInputError(`${this.protocol.venue} frame`, 'binary frame where JSON text was expected'));
      return;
    }
    this.handleFrame(link, this.protocol.decode(frameText(data), this.options.wallClockNow()));
  }

  private handleFrame(link: Link, frame: DecodedFrame): void {
    switch (frame.kind) {
      case 'trades':
        for (const trade of frame.trades) {
          if (this.stopping) return;
          if (this.dedup.add(`${trade.instrument}\u0000${trade.tradeId}`)) this.listener.trade(trade);
          else this.counters.duplicates++;
        }
        for (const error of frame.rejected) if (!this.stopping) this.listener.rejected(error);
        if (!link.delivered && !this.stopping) this.onFirstDelivery(link);
        return;
      case 'heartbeat':
        // A keep-alive proves the connection and its subscriptions work, even on quiet markets.
        this.backoff.reset();
        this.listener.heartbeat();
        return;
      case 'shutdown':
        this.onShutdownNotice(link);
        return;
      case 'venue-error':
        this.listener.error(frame.error);
        return;
      case 'malformed':
        this.listener.rejected(frame.error);
        return;
      case 'ack':
      case 'ignored':
        return;
    }
  }

  private onFirstDelivery(link: Link): void {
    link.delivered = true;
    this.backoff.reset();
    if (link.role === 'candidate') this.maybePromote(link);
    else if (link.role === 'active') this.emitEvent({ type: 'live', link: link.id });
    this.updateState();
  }

  /**
   * A candidate takes over once it delivers trades and has sent every subscribe message: with
   * several paced subscribe messages, the first streams can deliver while the last are still
   * queued, and the old connection must not start draining before those are on their way.
   */
  private maybePromote(link: Link): void {
    if (link.role === 'candidate' && link.delivered && link.subscribed) this.promote(link);
  }

  /** The candidate takes over; the old active drains for the overlap, then closes. */
  private promote(candidate: Link): void {
    const previous = this.active;
    this.active = candidate;
    this.candidate = undefined;
    candidate.role = 'active';
    this.shutdownPending = false;
    this.rotationRetryAt = 0;
    this.rotationBackoff.reset();
    if (previous && previous.role === 'active') {
      previous.role = 'draining';
      previous.cancelTimers.push(this.timers.after(this.options.rotationOverlapMs, () => closeLink(this.timers, previous, 1000, 'rotated')));
    }
    this.counters.rotations++;
    this.emitEvent({ type: 'rotation-completed', from: previous?.id, to: candidate.id });
  }

  private onShutdownNotice(link: Link): void {
    this.counters.shutdownNotices++;
    this.emitEvent({ type: 'server-shutdown', link: link.id });
    if (link === this.active) {
      this.shutdownPending = true;
      if (!this.candidate) this.beginRotation('server-shutdown');
    } else if (link === this.candidate) {
      this.abandonCandidate('its server announced a shutdown');
    }
  }

  private onClose(link: Link, code: number, reason: string): void {
    this.links.delete(link);
    for (const cancel of link.cancelTimers.splice(0)) cancel();
    if (this.stopping) return;
    const role = link.role;
    link.role = 'dropped';
    if (role === 'candidate') {
      this.candidate = undefined;
      this.listener.error(
        new VenueConnectionError(this.protocol.venue, `rotation connection ${describeClose(code, reason, link.lastError)}`, { cause: link.lastError }),
      );
      this.emitEvent({ type: 'rotation-abandoned', link: link.id });
      this.rotationRetryAt = this.timers.now() + this.rotationBackoff.next().delayMs;
    } else if (role === 'active') {
      this.active = undefined;
      this.emitEvent({ type: 'closed', link: link.id, code, reason });
      this.listener.error(new VenueConnectionError(this.protocol.venue, describeClose(code, reason, link.lastError), { cause: link.lastError }));
      this.replaceActive();
    }
    this.updateState();
  }

  /** After losing the active connection: a running candidate takes over, else reconnect with backoff. */
  private replaceActive(): void {
    const candidate = this.candidate;
    if (candidate) {
      if (candidate.subscribed) this.promote(candidate);
      else {
        // Not subscribed yet: it is a plain reconnect that happened to be under way already.
        this.candidate = undefined;
        candidate.role = 'active';
        this.active = candidate;
        this.counters.reconnects++;
      }
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.cancelReconnect || this.stopping) return;
    const { attempt, delayMs } = this.backoff.next();
    this.emitEvent({ type: 'reconnect-scheduled', attempt, delayMs });
    this.cancelReconnect = this.timers.after(delayMs, () => {
      this.cancelReconnect = undefined;
      if (this.stopping || this.active) return;
      this.counters.reconnects++;
      this.active = this.openLink('active', 'reconnect');
      if (!this.active) this.scheduleReconnect();
      this.updateState();
    });
  }

  private beginRotation(reason: 'age' | 'server-shutdown'): void {
    const candidate = this.openLink('candidate', 'rotation');
    if (!candidate) {
      this.rotationRetryAt = this.timers.now() + this.rotationBackoff.next().delayMs;
      return;
    }
    this.candidate = candidate;
    this.emitEvent({ type: 'rotation-started', link: candidate.id, reason });
  }

  private abandonCandidate(why: string): void {
    const candidate = this.candidate;
    if (!candidate) return;
    this.candidate = undefined;
    dropLink(candidate);
    this.listener.error(new VenueConnectionError(this.protocol.venue, `rotation connection abandoned: ${why}`));
    this.emitEvent({ type: 'rotation-abandoned', link: candidate.id });
    this.rotationRetryAt = this.timers.now() + this.rotationBackoff.next().delayMs;
  }

  private tick(): void {
    if (this.stopping) return;
    const now = this.timers.now();
    const active = this.active;
    if (active && now - active.lastMessageAt > this.options.staleAfterMs) {
      const silentMs = now - active.lastMessageAt;
      this.counters.staleReconnects++;
      this.active = undefined;
      dropLink(active);
      this.emitEvent({ type: 'stale', link: active.id, silentMs });
      this.listener.error(new VenueStaleError(this.protocol.venue, silentMs));
      this.replaceActive();
      this.updateState();
    }
    const candidate = this.candidate;
    if (candidate && !candidate.delivered && now - candidate.createdAt > this.options.staleAfterMs)
      this.abandonCandidate(`no trade within ${this.options.staleAfterMs} ms`);
    const current = this.active;
    if (!current || current.openedAt === undefined || this.candidate || now < this.rotationRetryAt) return;
    if (this.shutdownPending) this.beginRotation('server-shutdown');
    else if (this.options.rotateAfterMs !== undefined && now - current.openedAt >= this.options.rotateAfterMs) this.beginRotation('age');
  }

  private updateState(): void {
    if (this.stopping) return;
    const active = this.active;
    const next = active !== undefined && active.role === 'active' && (active.subscribed || active.delivered) ? 'live' : 'stale';
    if (next === this.state) return;
    this.state = next;
    this.listener.stateChanged(next);
  }

  private emitEvent(event: VenueConnectionEvent): void {
    if (!this.stopping) this.listener.event(event);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
