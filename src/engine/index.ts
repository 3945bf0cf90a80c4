/**
 * The engine core's runtime-neutral contracts: tasks, source splits, committable sinks and
 * the checkpoint layout. The DSL and the planner may import this; it imports no runtime.
 *
 * @module
 * @internal
 */
export * from './task.js';
export * from './splits.js';
export * from './commit-sink.js';
export * from './checkpoint-layout.js';
export * from './fingerprint.js';
