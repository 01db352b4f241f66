import type { Admitter } from '@mdg/edge';
import type { HttpRequest, HttpResponse, us_socket_context_t } from 'uWebSockets.js';
import { refusalOnChartLive } from './chart-live-refusals';
import type { ChartLiveAdmission, ChartLiveUserData } from './chart-live-session';
import { CLOSE_CODES, CLOSE_REASONS } from '@mdg/protocol';

/** What the upgrade needs from the request, copied out before the first await (uWS frees `req` after the call). */
interface UpgradeRequest {
  readonly secKey: string;
  readonly secProtocol: string;
  readonly secExtensions: string;
  readonly apiKey: string;
  readonly address: string;
  aborted: boolean;
}

export interface ChartLiveUpgradeDeps {
  admitter: Admitter;
  /** False once the endpoint is closing: upgrades get HTTP 503. */
  isLive(): boolean;
  /** Builds the user data of the socket about to open (the session, admitted or to be refused on open). */
  createUserData(admission: ChartLiveAdmission): ChartLiveUserData;
  /** uWS did not open the socket (the client went away meanwhile): give back what the session holds. */
  discard(userData: ChartLiveUserData): void;
  reportError(error: Error): void;
}

/**
 * The HTTP upgrade of `/ws/chart-live`: the key (header, or `?apiKey=` for browsers) goes to
 * the session layer; admitted or not, the socket is opened (a refusal is told on open, then
 * closed: PROTOCOL.md's order). Upgrades in flight are tracked so a shutdown can wait for them.
 */
export class ChartLiveUpgrade {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly deps: ChartLiveUpgradeDeps) {}

  get pendingCount(): number {
    return this.pending.size;
  }

  handle(res: HttpResponse, req: HttpRequest, context: us_socket_context_t): void {
    const headerKey = req.getHeader('x-api-key');
    const request: UpgradeRequest = {
      secKey: req.getHeader('sec-websocket-key'),
      secProtocol: req.getHeader('sec-websocket-protocol'),
      secExtensions: req.getHeader('sec-websocket-extensions'),
      // Browsers cannot set headers, hence the query fallback. The key is never logged or echoed.
      apiKey: headerKey !== '' ? headerKey : (req.getQuery('apiKey') ?? ''),
      address: Buffer.from(res.getRemoteAddressAsText()).toString(),
      aborted: false,
    };
    if (!this.deps.isLive()) {
      res.writeStatus('503 Service Unavailable').end(CLOSE_REASONS[CLOSE_CODES.SERVER_SHUTDOWN]);
      return;
    }
    // Mandatory before any await: uWS aborts the process if an aborted response is used.
    res.onAborted(() => {
      request.aborted = true;
    });
    const task: Promise<void> = this.deps.admitter
      .admit(request.apiKey, request.address)
      .then((outcome) => this.complete(res, request, outcome.ok ? outcome : { ok: false, ...refusalOnChartLive(outcome.refusal) }, context))
      .catch((error: unknown) =>
        this.deps.reportError(new Error(`upgrade failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error })),
      )
      .finally(() => this.pending.delete(task));
    this.pending.add(task);
  }

  /** Resolves once every upgrade in flight has finished (opened, refused, or answered 503). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private complete(res: HttpResponse, request: UpgradeRequest, admission: ChartLiveAdmission, context: us_socket_context_t): void {
    const { admitter } = this.deps;
    if (request.aborted) {
      if (admission.ok) admitter.abandon(admission.ticket);
      return;
    }
    if (!this.deps.isLive()) {
      if (admission.ok) admitter.abandon(admission.ticket);
      res.cork(() => res.writeStatus('503 Service Unavailable').end(CLOSE_REASONS[CLOSE_CODES.SERVER_SHUTDOWN]));
      return;
    }
    const userData = this.deps.createUserData(admission);
    let opened = false;
    try {
      // uWS runs `open` synchronously inside upgrade(); no open means the socket died meanwhile.
      res.cork(() => res.upgrade(userData, request.secKey, request.secProtocol, request.secExtensions, context));
      opened = userData.session.ws !== undefined;
    } finally {
      if (!opened) this.deps.discard(userData);
    }
  }
}
