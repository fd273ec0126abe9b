export type * from './types.js';
export * from './ops.js';
export * from './graph.js';
export * from './verify.js';
export * from './print.js';
export * from './shapeMath.js';
export * from './random.js';
export * from './format.js';
