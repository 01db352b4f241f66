export * from './dashboard-page';
