export * from './watched-json-file';
