export * from './market-pipeline';
