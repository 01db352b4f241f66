/**
 * `@mdg/protocol`: the wire of both public protocols (PROTOCOL.md), with no framework in it:
 * message types, encoders, validators, error texts and codes, close codes. Shared by the
 * server adapters, the client SDK, the dashboard and the tests.
 */
export type { MarketUpdate, Candle, CandleUpdate } from '@mdg/model';
export * from './refusal-codes';
// /ws/chart-live
export * from './close-codes';
export * from './chart-live-messages';
export * from './history-limits';
export * from './parse-client-message';
export * from './encode-chart-event';
export * from './encode-history-event';
export * from './encode-flat-chart-event';
// /api-ws
export * from './api-ws-messages';
export * from './price-update';
export * from './parse-symbols-payload';
