import type { MdgError } from '@mdg/model';

/**
 * Reports a background failure nobody listens for as a process warning. Passed as text with
 * its class and code: process.emitWarning refuses Error objects from another realm (a test
 * sandbox), and a warning must never become a crash.
 */
export function emitErrorWarning(error: MdgError): void {
  process.emitWarning(error.message, { type: error.name, code: error.code });
}
