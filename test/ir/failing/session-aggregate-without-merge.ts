// Sessions merge when a record bridges two of them, so their accumulators must merge too.
import { minutes, Pipeline, seconds, session, Sinks } from '../../../src/index.js';
import { spySource } from '../spy-source.js';

export function build(): Pipeline {
  const p = Pipeline.create('sessions', { batchInterval: seconds(1) });
  p.source(spySource<{ user: string; t: number; ms: number }>())
    .withEventTime((r) => r.t, { watermarkDelay: seconds(5) })
    .keyBy((r) => r.user)
    .window(session(minutes(30)))
    .aggregate({ create: () => 0, add: (a, r) => a + r.ms, result: (a) => a })
    .to(Sinks.collect());
  return p;
}

export const expected = /^eventWindow: aggregate over session\(30m\) needs merge\(a, b\)/;
