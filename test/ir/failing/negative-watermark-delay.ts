// A watermark ahead of the largest event time seen would close windows before their records arrive.
import { Pipeline, seconds, Sinks, tumbling, type Duration } from '../../../src/index.js';
import { spySource } from '../spy-source.js';

export function build(): Pipeline {
  const p = Pipeline.create('negative-delay', { batchInterval: seconds(1) });
  p.source(spySource<{ k: string; t: number }>())
    .withEventTime((r) => r.t, { watermarkDelay: -5000 as Duration })
    .keyBy((r) => r.k)
    .window(tumbling(seconds(10)))
    .count()
    .to(Sinks.collect());
  return p;
}

export const expected = /^withEventTime: pass \{ watermarkDelay \} \(a duration ≥ 0\)/;
