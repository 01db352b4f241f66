/** Redis connections the mdg adapters share: the ioredis client, its reconnect backoff, readiness and Lua scripts. */
export * from './create-redis-client';
export * from './redis-script';
export * from './wait-until-ready';
