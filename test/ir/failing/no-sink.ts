// A pipeline that writes nowhere: nothing would ever be computed.
import { Pipeline, seconds } from '../../../src/index.js';
import { spySource } from '../spy-source.js';

export function build(): Pipeline {
  const p = Pipeline.create('no-sink', { batchInterval: seconds(1) });
  p.source(spySource<number>()).map((x) => x + 1);
  return p;
}

export const expected = /^pipeline no-sink has no output: nothing would be computed \(map#1 ends without a sink\)/;
