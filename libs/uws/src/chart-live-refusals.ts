import type { Refusal, ServerCloseReason, SessionEnd } from '@mdg/edge';
import { chartLiveErrors, type ChartLiveError } from '@mdg/protocol';
import { CLOSE_CODES, type CloseCode } from '@mdg/protocol';

/** How `/ws/chart-live` says a refusal: the error sent right after open, then the close code. */
export function refusalOnChartLive(refusal: Refusal): { error: ChartLiveError; closeCode: CloseCode } {
  switch (refusal.code) {
    case 'AUTH_FAILED':
      return { error: authFailure(refusal.cause), closeCode: CLOSE_CODES.AUTH_FAILED };
    case 'PRO_REQUIRED':
      return { error: chartLiveErrors.proRequired(), closeCode: CLOSE_CODES.AUTH_FAILED };
    // Limited, not unauthenticated: PROTOCOL.md's 4429 tells the client to retry after a pause.
    case 'AUTH_RATE_LIMITED':
      return { error: chartLiveErrors.authRateLimited(refusal.retryAfterMs), closeCode: CLOSE_CODES.LIMIT_EXCEEDED };
    case 'CONNECTION_LIMIT':
      return { error: chartLiveErrors.connectionLimit(refusal.limit), closeCode: CLOSE_CODES.LIMIT_EXCEEDED };
    case 'SERVICE_UNAVAILABLE':
      if (refusal.cause === 'shutting_down') return { error: chartLiveErrors.shuttingDown(), closeCode: CLOSE_CODES.SERVER_SHUTDOWN };
      return {
        error: chartLiveErrors.serviceUnavailable(
          refusal.cause === 'key_store' ? 'the API key could not be checked' : 'the connection could not be registered',
        ),
        closeCode: CLOSE_CODES.TRY_AGAIN_LATER,
      };
  }
}

function authFailure(cause: Extract<Refusal, { code: 'AUTH_FAILED' }>['cause']): ChartLiveError {
  switch (cause) {
    case 'missing_key':
      return chartLiveErrors.missingApiKey();
    case 'invalid_key':
      return chartLiveErrors.invalidApiKey();
    case 'key_revoked':
      return chartLiveErrors.apiKeyRevoked();
    case 'plan_inactive':
      return chartLiveErrors.planInactive();
  }
}

/** How `/ws/chart-live` ends a live session the session layer cut: the error (if any), then the close code. */
export function sessionEndOnChartLive(cause: SessionEnd): { error: ChartLiveError | undefined; closeCode: CloseCode } {
  switch (cause.kind) {
    case 'key_revoked':
      return { error: chartLiveErrors.apiKeyRevoked(), closeCode: CLOSE_CODES.AUTH_FAILED };
    case 'plan_changed':
      return refusalOnChartLive(cause.refusal);
    // The slot may already be someone else's: this connection must go, and may come back.
    case 'lease_lost':
      return { error: undefined, closeCode: CLOSE_CODES.TRY_AGAIN_LATER };
  }
}

/** The server-close reason (stats, metrics) of each close code. */
export const CLOSE_REASON_OF_CODE: Readonly<Record<CloseCode, ServerCloseReason>> = Object.freeze({
  1001: 'shutdown',
  1013: 'try_again_later',
  4008: 'slow_consumer',
  4401: 'auth_failed',
  4429: 'limit_exceeded',
});
