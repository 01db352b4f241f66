import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';

export interface HealthReport {
  ok: boolean;
  /** Why it is not ready (empty when ok), e.g. "bus disconnected", "feed stale". */
  reasons: string[];
  /** Any extra facts worth showing an operator (role, feed state, bus state). */
  details?: Record<string, unknown>;
}

export interface HttpRouteHandlers {
  /** Process alive (and its event loop turning). */
  health(): HealthReport;
  /** Ready to serve: bus connected, feed live or lease held, as fits the role. */
  readiness(): HealthReport;
  /** GET /instruments body. */
  instruments(): unknown;
  /** GET /metrics in Prometheus text format, with its content type. */
  metrics?(): Promise<{ contentType: string; body: string }>;
  /** GET / — the dashboard page. */
  dashboard?(): { contentType: string; body: string };
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** HTTP routes of PROTOCOL.md section C on the shared uWS app. Unknown paths get a JSON 404. */
export function registerHttpRoutes(app: TemplatedApp, handlers: HttpRouteHandlers): void {
  app.get('/healthz', (res) => sendReport(res, handlers.health()));
  app.get('/readyz', (res) => sendReport(res, handlers.readiness()));
  app.get('/instruments', (res) => send(res, '200 OK', JSON_TYPE, JSON.stringify(handlers.instruments())));
  const metrics = handlers.metrics?.bind(handlers);
  if (metrics) {
    app.get('/metrics', (res) => {
      let aborted = false;
      res.onAborted(() => {
        aborted = true;
      });
      metrics().then(
        ({ contentType, body }) => {
          if (!aborted) res.cork(() => send(res, '200 OK', contentType, body));
        },
        (error: unknown) => {
          if (!aborted) res.cork(() => send(res, '500 Internal Server Error', 'text/plain', `metrics failed: ${String(error)}`));
        },
      );
    });
  }
  const dashboard = handlers.dashboard?.bind(handlers);
  if (dashboard) {
    app.get('/', (res) => {
      const page = dashboard();
      send(res, '200 OK', page.contentType, page.body);
    });
  }
}

/** The JSON 404 for every path nobody claimed; register it after every other route. */
export function registerNotFound(app: TemplatedApp): void {
  app.any('/*', (res, req) => send(res, '404 Not Found', JSON_TYPE, JSON.stringify({ error: 'Not found', path: req.getUrl() })));
}

function sendReport(res: HttpResponse, report: HealthReport): void {
  send(
    res,
    report.ok ? '200 OK' : '503 Service Unavailable',
    JSON_TYPE,
    JSON.stringify({ status: report.ok ? 'ok' : 'unavailable', reasons: report.reasons, ...report.details }),
  );
}

function send(res: HttpResponse, status: string, contentType: string, body: string): void {
  res.writeStatus(status).writeHeader('content-type', contentType).writeHeader('cache-control', 'no-store').end(body);
}
