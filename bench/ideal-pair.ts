/**
 * The machine's own ceiling for a 2-worker speed-up, measured beside the cluster in the same
 * run: the same job on the local runtime in child processes with the workers' flags, one
 * child over the whole input against two children at once, each over its half (no exchange,
 * no coordinator, nothing shared). On a machine whose two cores slow each other down (shared
 * caches, memory bandwidth, a hypervisor's siblings) this pair gains less than 2×, and no
 * runtime can beat it; how close the cluster's 2 ÷ 1 workers comes to it is the cluster's own
 * efficiency.
 *
 * A child imports `module`, calls `exportName(...args)` to build the pipeline, runs it with
 * the given options and answers its wall clock, its CPU and `count()` of the module (what the
 * job counted, so the parent checks that the halves add up).
 *
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SideRun } from './cluster-sides.js';

const SELF = fileURLToPath(import.meta.url);

interface Ask { readonly module: string; readonly exportName: string; readonly args: readonly unknown[]; readonly options: Record<string, unknown> }
interface Answer { readonly ms: number; readonly cpu: number; readonly count: number }

/** Two warm children that run a local job on request. */
export class IdealPair {
  private readonly kids: ChildProcess[];

  private constructor(private readonly module: string, private readonly exportName: string) {
    this.kids = [0, 1].map(() => fork(SELF, [], { env: { ...process.env, SLUICE_IDEAL_CHILD: '1' }, execArgv: ['--max-semi-space-size=64', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }

  /** Forks the two children; `exportName` of `module` builds the job from its arguments and `count` of it says what the last run counted. */
  static start(module: string, exportName: string): IdealPair {
    return new IdealPair(module, exportName);
  }

  private ask(kid: number, args: readonly unknown[], options: Record<string, unknown>): Promise<Answer> {
    const k = this.kids[kid];
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`ideal pair: child ${kid} exited (${code}) during a run`));
      k.once('exit', onExit);
      k.once('message', (m) => {
        k.off('exit', onExit);
        const a = m as Answer | { error: string };
        if ('error' in a) reject(new Error(`ideal pair: child ${kid}: ${a.error}`));
        else resolve(a);
      });
      k.send({ module: this.module, exportName: this.exportName, args, options } satisfies Ask);
    });
  }

  /** One child over `args` (the whole input); `count` is what it counted. */
  async one(args: readonly unknown[], options: Record<string, unknown>): Promise<SideRun & { count: number }> {
    const t0 = performance.now();
    const a = await this.ask(0, args, options);
    return { wall: (performance.now() - t0) / 1000, cpu: a.cpu, count: a.count };
  }

  /** Both children at once, each over its own half; wall clock until the later one ends, CPU of both, the counts added. */
  async pair(half0: readonly unknown[], half1: readonly unknown[], options: Record<string, unknown>): Promise<SideRun & { count: number }> {
    const t0 = performance.now();
    const [a, b] = await Promise.all([this.ask(0, half0, options), this.ask(1, half1, options)]);
    return { wall: (performance.now() - t0) / 1000, cpu: a.cpu + b.cpu, count: a.count + b.count };
  }

  /** Ends both children: they exit once their channel closes. */
  close(): void {
    for (const k of this.kids) if (k.connected) k.disconnect();
  }
}

if (process.env.SLUICE_IDEAL_CHILD) {
  process.on('message', async (m: Ask) => {
    try {
      const mod = (await import(pathToFileURL(m.module).href)) as Record<string, (...a: unknown[]) => unknown>;
      const pipeline = mod[m.exportName](...m.args) as { run(o: Record<string, unknown>): Promise<unknown> };
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await pipeline.run(m.options);
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      process.send!({ ms, cpu: (c.user + c.system) / 1e6, count: Number(mod.count()) } satisfies Answer);
    } catch (e) {
      process.send!({ error: (e as Error).stack ?? String(e) });
    }
  });
}
