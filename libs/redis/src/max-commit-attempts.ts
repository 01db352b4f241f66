/** Optimistic writes give up after this many lost races with other writers in a row. */
export const MAX_COMMIT_ATTEMPTS = 16;
