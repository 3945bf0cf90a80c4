// Every 2 s and every 1 s cannot be merged batch by batch.
import { Pipeline, seconds, Sinks } from '../../../src/index.js';
import { spySource } from '../spy-source.js';

export function build(): Pipeline {
  const p = Pipeline.create('union-slides', { batchInterval: seconds(1) });
  const a = p.source(spySource<number>()).window(seconds(4), seconds(2));
  const b = p.source(spySource<number>());
  a.union(b).to(Sinks.collect());
  return p;
}

export const expected = /^union#3: its inputs slide at different intervals \(window#1 every 2s, source#2 every 1s\)/;
