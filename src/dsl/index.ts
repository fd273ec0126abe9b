export { buildGraph, scope, frozen, modulePath, recordModule, type Tensor, type BuildGraphOptions, type ScopeKind } from './builder.js';
export * from './layers.js';
export * from './block.js';
export * from './blocks.js';
export * from './shortcut.js';
export * from './resnet.js';
export * from './model.js';
export * from './typeRule.js';
