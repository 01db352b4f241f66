export * from './socket-io-price-gateway';
export * from './socket-io-gateway-options';
export * from './socket-io-gateway-stats';
export * from './connection-refused-error';
export * from './price-update';
export * from './price-subscription';
export * from './uws-room-adapter';
