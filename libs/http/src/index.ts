export * from './http-routes';
export * from './read-request-body';
export * from './ingest-route';
