import { describe, expect, expectTypeOf, it } from 'vitest';
import { cluster, local, localRuntime, Pipeline, seconds, Sinks, Sources, type ClusterRuntime, type LocalRuntime, type RunResult, type Runtime } from '../../src/index.js';

function pipeline(): Pipeline {
  const p = Pipeline.create('runtimes', { batchInterval: seconds(1) });
  p.source(Sources.batches([[1, 2], [3]])).map((x) => x * 2).to(Sinks.collect());
  return p;
}

describe('runtimes are objects passed to run()', () => {
  it('local() and cluster({...}) are typed per runtime; cluster-only options exist only on the cluster object', () => {
    const p = pipeline();
    expectTypeOf(local()).toEqualTypeOf<LocalRuntime>();
    expectTypeOf(local({ checkpointDir: '/tmp/ckpt', checkpointInterval: 5 })).toEqualTypeOf<LocalRuntime>();
    expectTypeOf(localRuntime).toEqualTypeOf<Runtime>();
    expectTypeOf(cluster({ workers: 2, checkpointDir: '/tmp/ckpt', checkpointInterval: 5 })).toEqualTypeOf<ClusterRuntime>();
    // Type-checked only, never called: a call would start the runs (and touch /tmp/ckpt).
    const runs = () => {
      expectTypeOf(p.run({ runtime: local(), pace: 'asap', numBatches: 2 })).toEqualTypeOf<Promise<RunResult>>();
      expectTypeOf(p.run({ runtime: cluster({ workers: 2 }), numBatches: 2 })).toEqualTypeOf<Promise<RunResult>>();
      // The string form stays as sugar, with the cluster's options beside it.
      expectTypeOf(p.run({ runtime: 'cluster', workers: 2, checkpointDir: '/tmp/ckpt' })).toEqualTypeOf<Promise<RunResult>>();
    };
    const misuse = () => {
      // @ts-expect-error workers is an option of the cluster runtime, not of a run on local()
      void p.run({ runtime: local(), workers: 2 });
      // @ts-expect-error checkpointDir goes to local({ checkpointDir }), not beside the string
      void p.run({ runtime: 'local', checkpointDir: '/tmp/ckpt' });
      // @ts-expect-error workers is an option of the cluster runtime, not of local()
      local({ workers: 2 });
      // @ts-expect-error checkpointDir goes to cluster({ checkpointDir }), not beside the object
      void p.run({ runtime: cluster({ workers: 2 }), checkpointDir: '/tmp/ckpt' });
      // @ts-expect-error pace is an option of the run, not of the cluster runtime
      cluster({ pace: 'asap' });
      // @ts-expect-error not a runtime
      void p.run({ runtime: 'spark' });
    };
    expect(typeof runs).toBe('function');
    expect(typeof misuse).toBe('function');
  });

  it('local() is the local runtime and runs the pipeline; an unknown runtime name is refused naming the fix', async () => {
    expect(local()).toBe(localRuntime);
    const { metrics } = await pipeline().run({ runtime: local(), pace: 'asap' });
    expect(metrics.batches).toBe(2);
    await expect(pipeline().run({ runtime: 'spark' } as never)).rejects.toThrow(/unknown runtime 'spark'.*local\(\)/);
  });

  it('cluster({...}) keeps its options on the object and names itself', () => {
    const rt = cluster({ workers: 3, checkpointDir: '/tmp/x' });
    expect(rt.name).toBe('cluster');
    expect(rt.options).toEqual({ workers: 3, checkpointDir: '/tmp/x' });
    expect(rt.supports.has('mapWithState')).toBe(true);
  });
});
