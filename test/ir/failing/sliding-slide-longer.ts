// An event-time sliding window that slides further than it is long would skip records.
import { Pipeline, seconds, Sinks, sliding } from '../../../src/index.js';
import { spySource } from '../spy-source.js';

export function build(): Pipeline {
  const p = Pipeline.create('sliding-gaps', { batchInterval: seconds(1) });
  p.source(spySource<{ k: string; t: number }>())
    .withEventTime((r) => r.t, { watermarkDelay: seconds(1) })
    .keyBy((r) => r.k)
    .window(sliding(seconds(10), seconds(30)))
    .count()
    .to(Sinks.collect());
  return p;
}

export const expected = /^eventWindow: sliding\(10s, 30s\): the slide is longer than the window/;
