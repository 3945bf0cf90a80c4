// Streams of two pipelines cannot meet: each pipeline runs on its own.
import { pair, Pipeline, seconds, Sinks } from '../../../src/index.js';
import { spySource } from '../spy-source.js';

export function build(): Pipeline {
  const p = Pipeline.create('left', { batchInterval: seconds(1) });
  const q = Pipeline.create('right', { batchInterval: seconds(1) });
  const a = p.source(spySource<string>()).map((w) => pair(w, 1));
  const b = q.source(spySource<string>()).map((w) => pair(w, 'x'));
  a.join(b).to(Sinks.collect());
  return p;
}

export const expected = /^join: cannot combine map#1 with map#1, which belongs to another pipeline/;
