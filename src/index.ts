/**
 * sluice: typed stream processing for TypeScript.
 *
 * @example
 * ```ts
 * import { Pipeline, Sources, pair, seconds } from 'sluice';
 * const p = Pipeline.create('word-count', { batchInterval: seconds(1) });
 * p.source(Sources.textFile('data/lines.txt'))
 *   .flatMap((l) => l.split(/\s+/).filter(Boolean))
 *   .map((w) => pair(w, 1))
 *   .reduceByKey((a, b) => a + b)
 *   .print();
 * await p.run();
 * ```
 * @module
 */
export { Pipeline, type PipelineOptions } from './dsl/pipeline.js';
export { Stream, EventStream, MapWithStateStream, WindowedResultStream, pair, type OpOptions, type StateOptions, type Windowed } from './dsl/stream.js';
export { KeyedStream, WindowedStream, tumbling, sliding, session, type Aggregator, type WindowAssigner } from './dsl/event-time.js';
export type { State } from './dsl/state.js';
export { some, none, isSome, isNone, fromNullable, getOrElse, match, type Option, type Some, type None } from './option.js';
export { StaticTable } from './dsl/table.js';
export type { Bindings } from './dsl/graph.js';
export { millis, seconds, minutes, hours, type Duration } from './time/duration.js';
export { SluiceError, PipelineError, UserFunctionError, DecodeError, RuntimeError, type ErrorSite } from './errors.js';
export { WireError, type WireErrorCode } from './wire/errors.js';
export * as S from './schema/index.js';
export * as Sources from './io/sources/index.js';
export type { DirectoryOptions, DirectoryPosition, DirectoryFiles } from './io/sources/directory.js';
export * as Sinks from './io/sinks/index.js';
export type { Source, Sink, SourceReader, SourceSlice, SinkWriter, SourceContext, SinkContext, ClaimContext, PollResult, DeadLetter } from './io/connector.js';
export { sliceBounds, weightedBounds } from './io/connector.js';
export type { CollectSink } from './io/sinks/collect.js';
export type { KafkaRecord, KafkaSourceOptions, KafkaBatchReport, StartingOffsets } from './io/kafka/source.js';
export type { KafkaSinkOptions } from './io/kafka/sink.js';
export type { KafkaConnection } from './io/kafka/client.js';
export type { KafkaFormat, FormatType } from './io/kafka/codec.js';
export * from './ir/nodes.js';
export { planHash, planToJSON, planFromJSON, type Plan } from './ir/plan.js';
export { explain } from './ir/explain.js';
export { toDot } from './ir/dot.js';
export { validatePlan, nodeSlides } from './ir/validate.js';
export type { Runtime, RunOptions, RunResult, RunMetrics, ClusterShorthand } from './runtime.js';
export { localRuntime, local } from '../runtimes/local/index.js';
export type { LocalOptions, LocalRuntime } from '../runtimes/local/index.js';
export { cluster, type ClusterOptions, type ClusterRuntime, type ClusterRunOptions, type PipelineRef } from '../runtimes/cluster/index.js';
export type { BatchProgress, OperatorProgress, SourceProgress, DeadLetterPreview, KafkaProgress } from './observe/progress.js';
export type { MetricsOptions } from './observe/observer.js';
