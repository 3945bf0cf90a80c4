// A 2.5 s slide over 1 s batches would fall between batches.
import { millis, pair, Pipeline, seconds, Sinks } from '../../../src/index.js';
import { spySource } from '../spy-source.js';

export function build(): Pipeline {
  const p = Pipeline.create('slide-not-multiple', { batchInterval: seconds(1) });
  p.source(spySource<string>())
    .map((w) => pair(w, 1))
    .reduceByKeyAndWindow((a, b) => a + b, seconds(10), millis(2500))
    .to(Sinks.collect());
  return p;
}

export const expected = /^reduceByKeyAndWindow#2: the slide duration 2500ms is not a multiple of the parent stream's slide 1s/;
