/**
 * `@mdg/testing`: test helpers that know nothing about mdg (no @mdg/* imports), so any
 * project's tests may use them without a dependency cycle. Suites for a port live next to
 * the port, behind `@mdg/<lib>/testing`.
 */
export * from './frame-text';
export * from './redis-server-harness';
export * from './unique-prefix';
export * from './wait';
