// One branch is written out, the other is built and forgotten.
import { Pipeline, seconds, Sinks } from '../../../src/index.js';
import { spySource } from '../spy-source.js';

export function build(): Pipeline {
  const p = Pipeline.create('dangling', { batchInterval: seconds(1) });
  const s = p.source(spySource<number>());
  s.map((x) => x * 2).to(Sinks.collect());
  s.filter((x) => x > 0);
  return p;
}

export const expected = /^filter#3: this stream has no sink, so its results would be lost/;
