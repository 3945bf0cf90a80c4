// A 1.5 s window over 1 s batches cannot cover whole batches.
import { millis, Pipeline, seconds, Sinks } from '../../../src/index.js';
import { spySource } from '../spy-source.js';

export function build(): Pipeline {
  const p = Pipeline.create('window-not-multiple', { batchInterval: seconds(1) });
  p.source(spySource<number>()).window(millis(1500), seconds(1)).to(Sinks.collect());
  return p;
}

export const expected = /^window#1: the window duration 1500ms is not a multiple of the parent stream's slide 1s.*fix: use a window duration that is a positive multiple of 1s \(e\.g\. 2s\)/;
