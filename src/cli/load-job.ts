/**
 * Loading a job module: a TypeScript (or JavaScript) file that exports a {@link Pipeline}.
 * The CLI entry (`bin/sluice.js`) has registered tsx's loader, so `import()` takes `.ts`.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Pipeline } from '../dsl/pipeline.js';
import { SluiceError } from '../errors.js';

/** The contract of a job module, as `sluice <command> --help` prints it. */
export const JOB_MODULE_HELP = `A job module exports its pipeline as \`export default\` or as \`export const pipeline\`
(the default export wins when both exist). The export may be a Pipeline, a promise of
one, or a function taking no arguments that returns a Pipeline or a promise of one.
The module builds the pipeline and the CLI runs it. A module that runs its pipeline
itself (\`await pipeline.run()\`, to work under plain node too) is run once: the CLI
waits for that run, gives it the command line's options, and under explain skips it.

Arguments after \`--\` go to the job: while its module loads, process.argv is
[node, <job path>, ...arguments], so process.argv.slice(2) are the arguments.`;

/** An error the CLI reports as one line (`sluice: <message>`), exit code 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** Duck check as well as `instanceof`, in case the job imports another copy of sluice. */
function isPipeline(x: unknown): x is Pipeline {
  if (x instanceof Pipeline) return true;
  const p = x as Partial<Pipeline> | null;
  return typeof p === 'object' && p !== null && typeof p.plan === 'function' && typeof p.run === 'function' && typeof p.explain === 'function';
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x === 'object') return `an object${x.constructor && x.constructor !== Object ? ` (${x.constructor.name})` : ''}`;
  return `a ${typeof x}`;
}

/** One line from an error: its message with line breaks folded, for `sluice: …`. */
export function oneLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
}

/**
 * Imports the job module at `file` (relative to the working directory) and returns its
 * pipeline. Errors name `file` as the user typed it; a {@link SluiceError} thrown while the
 * module builds its pipeline passes through unchanged.
 */
export async function loadPipeline(file: string): Promise<Pipeline>;
/**
 * With options: `args` are the job's arguments (`process.argv` while the module loads and
 * builds its pipeline). Once `ranItself()` is true, a module that exports no pipeline gives
 * `undefined` instead of an error, and an error while it loads (its run failed) passes
 * through unchanged.
 */
export async function loadPipeline(file: string, opts: { readonly args?: readonly string[]; readonly ranItself?: () => boolean }): Promise<Pipeline | undefined>;
export async function loadPipeline(file: string, opts: { readonly args?: readonly string[]; readonly ranItself?: () => boolean } = {}): Promise<Pipeline | undefined> {
  const path = resolve(file);
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new CliError(`${file}: no such file`);
  if (!info.isFile()) throw new CliError(`${file}: not a file`);
  const argv = process.argv;
  process.argv = [argv[0], path, ...(opts.args ?? [])];
  try {
    return await build(file, path, opts.ranItself ?? (() => false));
  } finally {
    process.argv = argv;
  }
}

async function build(file: string, path: string, ranItself: () => boolean): Promise<Pipeline | undefined> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof SluiceError || ranItself()) throw e;
    throw new CliError(`${file}: cannot load: ${oneLine(e)}`, { cause: e });
  }

  const name = mod.default !== undefined ? 'default' : mod.pipeline !== undefined ? 'pipeline' : undefined;
  if (!name && ranItself()) return undefined;
  if (!name) throw new CliError(`${file} exports no pipeline (export default a Pipeline, or export const pipeline)`);
  let value = mod[name];
  try {
    if (typeof value === 'function' && !isPipeline(value)) value = (value as () => unknown)();
    value = await value;
  } catch (e) {
    if (e instanceof SluiceError) throw e;
    throw new CliError(`${file}: building the pipeline failed: ${oneLine(e)}`, { cause: e });
  }
  if (!isPipeline(value)) {
    throw new CliError(`${file}: the ${name} export is ${describe(value)}, not a Pipeline (export default a Pipeline, or export const pipeline)`);
  }
  return value;
}
