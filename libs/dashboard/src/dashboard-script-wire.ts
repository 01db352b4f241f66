import { CLOSE_CODES, ERROR_PREFIXES } from '@mdg/protocol';

/**
 * Part of the dashboard's inline browser script (assembled, in order, by dashboard-script.ts):
 * the wire values it reacts to, taken from @mdg/protocol so the page and the server share one
 * definition. A fragment of one function body, like the others; JSON only, so nothing here
 * can break the inline script (no backtick, no dollar-brace, no `</`).
 */
export const DASHBOARD_SCRIPT_WIRE = `  var WIRE = ${JSON.stringify({
  // /ws/chart-live: closed for a refused key (not worth retrying with the same key).
  authFailedCloseCode: CLOSE_CODES.AUTH_FAILED,
  // /ws/chart-live: how an authentication error message begins.
  authFailurePrefix: ERROR_PREFIXES.AUTH_FAILED,
})};
`;
