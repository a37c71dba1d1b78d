export * from './delegate.js';
export * from './hosts.js';
export * from './match.js';
export * from './percent.js';
export * from './plan.js';
export * from './string-match.js';
export * from './gateway-match.js';
export * from './http-route.js';
