/**
 * @fileoverview The helpers' former home, `eslint-plugin-trace-propagation/helpers`, kept so that code rewritten
 * before they moved keeps running. New code imports `trace-propagation-helpers`, whose only dependency is the peer
 * `@opentelemetry/api` (the plugin brings ESLint and its parsers with it).
 * @deprecated Import from `trace-propagation-helpers`.
 */
export * from 'trace-propagation-helpers';
