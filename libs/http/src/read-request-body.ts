import type { HttpResponse } from 'uWebSockets.js';

export interface BodyReadHandlers {
  /** The whole body (a copy: uWS reuses its chunk buffers). */
  onBody(body: Buffer): void;
  /** The body grew past the limit; nothing more is delivered (the caller answers 413 and closes). */
  onTooLarge(receivedBytes: number): void;
}

/**
 * Reads a request body with res.onData, bounded: chunks are copied as they come (uWS neuters
 * the ArrayBuffer after each callback) and counted, and past `maxBytes` reading stops at once,
 * so a client can never make the server hold more than `maxBytes` of a body. The caller must
 * also attach res.onAborted (uWS requires it whenever the response is not ended synchronously).
 */
export function readRequestBody(res: HttpResponse, maxBytes: number, handlers: BodyReadHandlers): void {
  const chunks: Buffer[] = [];
  let received = 0;
  let over = false;
  res.onData((chunk, isLast) => {
    if (over) return;
    received += chunk.byteLength;
    if (received > maxBytes) {
      over = true;
      chunks.length = 0;
      handlers.onTooLarge(received);
      return;
    }
    chunks.push(Buffer.from(new Uint8Array(chunk)));
    if (isLast) handlers.onBody(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received));
  });
}
