/**
 * The `sluice` command line: `sluice run <job.ts>` and `sluice explain <job.ts>`.
 * `bin/sluice.js` registers tsx's loader, then calls {@link main} and {@link exit}.
 *
 * Exit codes: 0 done (also after SIGINT/SIGTERM stopped a run), 1 the job failed or could
 * not be loaded, 2 bad usage. Errors are one line on stderr (`sluice: …`); set
 * `SLUICE_DEBUG=1` for the stack trace.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { inspect } from 'node:util';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Pipeline } from '../dsl/pipeline.js';
import type { ClusterShorthand, RunOptions, RunResult } from '../runtime.js';
import { watchJobRuns } from './job-runs.js';
import { JOB_MODULE_HELP, loadPipeline, oneLine } from './load-job.js';
import { LOG_LEVELS } from '../observe/log-levels.js';
import { uiCommand, watch as watchRun, watchOptions, type WatchFlags } from './watch.js';

const debug = (): boolean => !!process.env.SLUICE_DEBUG && process.env.SLUICE_DEBUG !== '0';

function say(line: string): void {
  process.stderr.write(`sluice: ${line}\n`);
}

/** Reports an error as one line (or with its stack under SLUICE_DEBUG) and returns exit code 1. */
function fail(e: unknown): number {
  if (debug()) process.stderr.write(`sluice: ${inspect(e)}\n`);
  else say(oneLine(e));
  return 1;
}

function integer(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}.`);
    return n;
  };
}

/** The package's version: package.json is two levels up from src/cli/, three from the package's dist/src/cli/. */
function version(): string {
  for (const path of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'sluice' && pkg.version) return pkg.version;
    } catch {
      // not there: try the next
    }
  }
  return '0.0.0';
}

interface RunFlags extends WatchFlags {
  pace?: 'asap' | 'realtime';
  batches?: number;
  maxBatchSize?: number;
  runtime?: string;
  workers?: number;
  equalSlices?: boolean;
  checkpointDir?: string;
  overwrite?: boolean;
}

function summary(pipeline: Pipeline, result: RunResult, ms: number): string {
  const { batches, records, deadLetters, lateRecords } = result.metrics;
  const stopped = result.stopped === true;
  let read = 0;
  for (const n of pipeline.plan().nodes) if (n.kind === 'source') read += records[n.id] ?? 0;
  const plural = (k: number, one: string, many = `${one}s`) => `${k} ${k === 1 ? one : many}`;
  return `${pipeline.name} ${stopped ? 'stopped' : 'done'}: ${plural(batches, 'batch', 'batches')}, ${plural(read, 'record')} read, ${plural(deadLetters, 'dead letter')}, ${plural(lateRecords, 'late record')} (${ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`})`;
}

/** A flag that applies only with another one: a usage error (exit code 2) naming both. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

function needs(flag: string, given: boolean, what: string, ok: boolean): void {
  if (given && !ok) throw new UsageError(`${flag} ${what}`);
}

async function runCommand(job: string, flags: RunFlags, args: readonly string[]): Promise<number> {
  needs('--workers', flags.workers !== undefined, "applies to the cluster runtime only: add --runtime cluster", flags.runtime === 'cluster');
  needs('--equal-slices', flags.equalSlices === true, "applies to the cluster runtime only: add --runtime cluster", flags.runtime === 'cluster');
  // The runtime's options go with the string form of the runtime (sugar for cluster({ workers, checkpointDir }) or local({ checkpointDir })).
  const opts: RunOptions | ClusterShorthand = {
    runtime: flags.runtime as 'local',
    pace: flags.pace,
    numBatches: flags.batches,
    maxBatchSize: flags.maxBatchSize,
    workers: flags.workers,
    balance: flags.equalSlices ? false : undefined,
    checkpointDir: flags.checkpointDir === undefined ? undefined : resolve(flags.checkpointDir),
    overwrite: flags.overwrite,
  } as RunOptions | ClusterShorthand;
  for (const k of Object.keys(opts) as (keyof typeof opts)[]) if (opts[k] === undefined) delete opts[k];
  Object.assign(opts, watchOptions(flags, say));

  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (abort.signal.aborted) {
      say(`${signal} again, exiting now`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    say(`${signal}: stopping after the current batch (send it again to exit at once)`);
    abort.abort();
  };
  // In a cluster worker (this command run again by the coordinator) the worker handles them (runtimes/cluster/serve.ts).
  const worker = process.env.SLUICE_WORKER !== undefined;
  if (!worker) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  // A run the job module starts itself (while it loads) is the run; the CLI does not start another.
  const argv = process.argv;
  const watch = watchJobRuns({ mode: 'run', options: opts, signal: abort.signal }, () => { process.argv = argv; });
  let start = performance.now();
  let watching: Awaited<ReturnType<typeof watchRun>> | undefined;
  let ok = false;
  try {
    const pipeline = await loadPipeline(job, { args, ranItself: () => watch.runs.length > 0 });
    if (watch.runs.length > 0 || !pipeline) {
      for (const { pipeline: p, result } of watch.runs) say(summary(p, await result, performance.now() - start));
      return 0;
    }
    // The status line and the web UI watch the run the CLI starts.
    watching = await watchRun(pipeline, flags, flags.runtime, flags.workers, say);
    start = performance.now();
    const result = await watch.run.call(pipeline, { ...opts, ...watching.opts, signal: abort.signal });
    say(summary(pipeline, result, performance.now() - start));
    ok = true;
    return 0;
  } finally {
    watch.restore();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await watching?.close(ok);
  }
}

async function explainCommand(job: string, flags: { json?: boolean; dot?: boolean; physical?: boolean; partitions?: number }, args: readonly string[]): Promise<number> {
  needs('--partitions', flags.partitions !== undefined, 'applies to the physical plan only: add --physical', flags.physical === true);
  const watch = watchJobRuns({ mode: 'explain' });
  try {
    const exported = await loadPipeline(job, { args, ranItself: () => watch.runs.length > 0 });
    for (const pipeline of exported ? [exported] : watch.runs.map((r) => r.pipeline)) {
      const text = flags.json ? pipeline.toJSON() : flags.dot ? pipeline.toDot() : pipeline.explain({ physical: flags.physical, partitions: flags.partitions });
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    }
    return 0;
  } finally {
    watch.restore();
  }
}

function program(done: (code: number) => void, args: readonly string[]): Command {
  const cli = new Command('sluice')
    .description('Run and inspect sluice stream-processing jobs.')
    .version(version(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .helpCommand(false)
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    .addHelpText('after', `\n${JOB_MODULE_HELP}\n\nExit codes: 0 done, 1 the job failed, 2 bad usage. SLUICE_DEBUG=1 prints stack traces.`);

  cli
    .command('run')
    .usage('[options] <job> [-- args...]')
    .description('Run a job on a runtime (default: local) until its bounded sources are drained, --batches were run, or SIGINT/SIGTERM.')
    .argument('<job>', 'job module (.ts or .js), relative to the working directory')
    .addOption(new Option('--pace <pace>', 'asap: batches back to back in virtual time (default when every source is bounded); realtime: one batch per batch interval of wall-clock time').choices(['asap', 'realtime']))
    .option('--batches <n>', 'stop after n batches', integer(0))
    .option('--max-batch-size <n>', 'most records a source contributes to one batch (default 100000)', integer(1))
    .option('--runtime <name>', "runtime to run on: 'local' (default) or 'cluster'")
    .option('--workers <n>', 'cluster runtime: number of worker processes', integer(1))
    .option('--equal-slices', 'cluster runtime: cut every batch of a file or in-memory source into equal slices, not by the workers\' speed (floating-point sums then give the same bits in every run)')
    .option('--checkpoint-dir <dir>', 'where checkpoints are kept; a rerun with the same directory resumes after its last commit')
    .option('--metrics-port <port>', 'serve Prometheus metrics at http://127.0.0.1:<port>/metrics', integer(0))
    .option('--metrics-host <host>', 'interface for --metrics-port (default 127.0.0.1)')
    .option('--progress-file <file>', 'write each batch\'s progress record as a JSON line (sluice ui <file> shows it later)')
    .addOption(new Option('--log-level <level>', 'log level (default info; SLUICE_LOG_LEVEL)').choices(LOG_LEVELS))
    .option('--ui [port]', 'serve the web UI on 127.0.0.1 (default port 4040); it stays up after the run until Ctrl-C', integer(0))
    .option('--no-status', 'no status line (on a terminal: a live line; otherwise a line every --status-every seconds)')
    .option('--status-every <s>', 'seconds between status lines when stderr is not a terminal (default 10)', integer(1))
    .option('--overwrite', 'replace the output an earlier run left in the file sinks\' directories and the dead-letter file (else such a run is refused)')
    .addHelpText('after', `\n${JOB_MODULE_HELP}\n\nPrints the job's sink output; at the end a one-line summary (batches, records read, dead letters,\nlate records) on stderr. SIGINT or SIGTERM stops the run after the current batch (exit code 0).\n\nExamples:\n  sluice run examples/word-count.ts --batches 5\n  sluice run job.ts --runtime cluster --workers 4 -- in.txt   # the job's process.argv.slice(2) is ['in.txt']`)
    .action(async (job: string, flags: RunFlags) => done(await runCommand(job, flags, args)));

  cli
    .command('explain')
    .usage('[options] <job> [-- args...]')
    .description("Print a job's plan: operators, their inputs and options.")
    .argument('<job>', 'job module (.ts or .js), relative to the working directory')
    .addOption(new Option('--json', 'print the plan as JSON (the IR)').conflicts('dot'))
    .addOption(new Option('--dot', 'print the plan as a Graphviz digraph').conflicts('json'))
    .addOption(new Option('--physical', 'print the physical plan: stages, partitions, shuffles and edge schemas').conflicts(['json', 'dot']))
    .addOption(new Option('--partitions <n>', 'partitions for --physical (default 1)').argParser(integer(1)))
    .addHelpText('after', `\n${JOB_MODULE_HELP}\n\nExample:\n  sluice explain examples/word-count.ts --dot | dot -Tsvg > plan.svg`)
    .action(async (job: string, flags: { json?: boolean; dot?: boolean; physical?: boolean; partitions?: number }) => done(await explainCommand(job, flags, args)));

  cli
    .command('ui')
    .description('Serve the web UI for a finished run from its --progress-file, until Ctrl-C.')
    .argument('<progress-file>', 'a file written by sluice run --progress-file')
    .option('--port <port>', 'port (default 4040)', integer(0))
    .option('--host <host>', 'interface (default 127.0.0.1)')
    .action(async (file: string, flags: { port?: number; host?: string }) => done(await uiCommand(file, flags, say)));

  return cli;
}

/**
 * Runs the CLI on `argv` (the arguments after `node bin/sluice.js`) and returns the exit code.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let code = 0;
  // What follows the first `--` is the job's, untouched by sluice's own option parsing.
  const split = argv.indexOf('--');
  const own = split < 0 ? argv : argv.slice(0, split);
  const args = split < 0 ? [] : argv.slice(split + 1);
  try {
    await program((c) => { code = c; }, args).parseAsync([...own], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof UsageError) {
      say(`${e.message} (see sluice ${argv[0]} --help)`);
      return 2;
    }
    if (e instanceof CommanderError) {
      if (e.code === 'commander.excessArguments') {
        say(`${oneLine(e).replace(/^error: /, '').replace(/\.$/, '')}: arguments for the job go after -- (see sluice ${argv[0]} --help)`);
        return 2;
      }
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
      // No command given: commander has printed the help to stderr.
      if (e.code === 'commander.help' || e.code === 'commander.executeSubCommandAsync') return 2;
      const command = argv[0] === 'run' || argv[0] === 'explain' ? `${argv[0]} ` : '';
      say(`${oneLine(e).replace(/^error: /, '')} (see sluice ${command}--help)`);
      return 2;
    }
    return fail(e);
  }
}

/** Exits with `code` once stdout and stderr have been flushed. */
export function exit(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const done = (): void => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

// A reader that goes away (`sluice explain job.ts | head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
// User code that fails outside the run's promise chain: one line, exit 1.
process.on('uncaughtException', (e) => exit(fail(e)));
process.on('unhandledRejection', (e) => exit(fail(e)));
