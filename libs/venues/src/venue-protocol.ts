import type { DecodedFrame } from './decoded-frame';

/** What differs between venues; the connection machinery (VenueConnection) is shared. */
export interface VenueProtocol {
  /** Venue name: the Trade source and the prefix of error messages. */
  readonly venue: string;
  /** The URL each new connection opens. */
  connectUrl(): string;
  /** Control messages to send once a connection is open, in order; each counts against the venue's inbound limit. */
  subscribeMessages(): string[];
  /** One text frame → its meaning; never throws. `nowMs` is wall-clock unix ms. */
  decode(text: string, nowMs: number): DecodedFrame;
}
