/**
 * What a venue connection manager did, for logs and metrics (`onEvent` option of the venue
 * feeds). Link ids number the WebSocket connections of one feed from 1.
 */
export type VenueConnectionEvent =
  | { readonly type: 'connecting'; readonly link: number; readonly purpose: 'initial' | 'reconnect' | 'rotation' }
  | { readonly type: 'open'; readonly link: number }
  /** Every subscribe message of the link has been sent. */
  | { readonly type: 'subscribed'; readonly link: number; readonly messages: number }
  /** The active link delivered its first trade frame. */
  | { readonly type: 'live'; readonly link: number }
  /** The active link closed (by the venue or the network). */
  | { readonly type: 'closed'; readonly link: number; readonly code: number; readonly reason: string }
  | { readonly type: 'reconnect-scheduled'; readonly attempt: number; readonly delayMs: number }
  | { readonly type: 'stale'; readonly link: number; readonly silentMs: number }
  | { readonly type: 'server-shutdown'; readonly link: number }
  | { readonly type: 'rotation-started'; readonly link: number; readonly reason: 'age' | 'server-shutdown' }
  | { readonly type: 'rotation-completed'; readonly from: number | undefined; readonly to: number }
  | { readonly type: 'rotation-abandoned'; readonly link: number };
