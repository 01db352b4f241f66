/** Counters of a venue connection manager (all since start). */
export interface VenueConnectionStats {
  /** Connections opened to replace a lost active one (every backoff retry counts). */
  readonly reconnects: number;
  /** Active connections cut by the watchdog for silence. */
  readonly staleReconnects: number;
  /** Make-before-break switches to a new connection (planned, or on a shutdown notice). */
  readonly rotations: number;
  /** Trades received again (overlapping connections, venue snapshots) and applied once. */
  readonly duplicates: number;
  /** `serverShutdown`-style notices received. */
  readonly shutdownNotices: number;
  /** WebSocket connections open right now (2 during a rotation). */
  readonly openConnections: number;
}
