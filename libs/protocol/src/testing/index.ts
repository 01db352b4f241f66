export * from './protocol-examples';
