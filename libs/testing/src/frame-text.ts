/**
 * The text of a WebSocket message as the `ws` library delivers it (a Buffer, an ArrayBuffer or
 * a list of Buffer fragments, depending on `binaryType`). `String(data)` would read an
 * ArrayBuffer as "[object ArrayBuffer]" and join fragments with commas.
 */
export function frameText(data: Buffer | ArrayBuffer | Buffer[]): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
}
