// Zero partitions would hold no records at all.
import { Pipeline, seconds, Sinks } from '../../../src/index.js';
import { spySource } from '../spy-source.js';

export function build(): Pipeline {
  const p = Pipeline.create('repartition-zero', { batchInterval: seconds(1) });
  p.source(spySource<number>()).repartition(0).to(Sinks.collect());
  return p;
}

export const expected = /^repartition: partitions must be a positive integer, got 0/;
