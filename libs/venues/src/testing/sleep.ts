/** Resolves after `ms` of real time (for "nothing happens during…" checks only). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
