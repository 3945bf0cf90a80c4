/**
 * Loading a job module: a TypeScript (or JavaScript) file that exports a {@link Pipeline}.
 * The CLI entry (`bin/sluice.js`) has registered tsx's loader, so `import()` takes `.ts`.
 */
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Pipeline } from '../dsl/pipeline.js';
import { SluiceError } from '../errors.js';

/** The contract of a job module, as `sluice <command> --help` prints it. */
export const JOB_MODULE_HELP = `A job module exports its pipeline as \`export default\` or as \`export const pipeline\`
(the default export wins when both exist; a CommonJS module may set \`module.exports\` or
\`exports.pipeline\`). The export may be a Pipeline, a promise of one, or a function taking
no arguments that returns a Pipeline or a promise of one.
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

/** Errors of a CommonJS module that reaches ES modules it cannot load as CommonJS. */
const CJS_CODES = new Set(['ERR_REQUIRE_ESM', 'ERR_REQUIRE_ASYNC_MODULE', 'ERR_PACKAGE_PATH_NOT_EXPORTED']);

/**
 * Why a job that failed to load with `e` may have failed because it loads as CommonJS, or
 * undefined: Node (and tsx, for `.ts`) loads a `.js`/`.ts` file as CommonJS unless the
 * nearest package.json says `"type": "module"`, and a CommonJS job then `require`s what it
 * imports, which fails on an ES module Node cannot require (older Node 20, top-level await)
 * or on TypeScript sources of another package.
 */
function commonJsHint(path: string, e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  // A syntax error counts only where CommonJS loaded an ES module (require of ESM), not in the job's own code.
  const required = e instanceof SyntaxError && /loadESMFromCJS|importSyncForRequire|Cannot use import statement outside a module/.test(String(e.stack));
  if (!required && !(typeof code === 'string' && CJS_CODES.has(code))) return undefined;
  if (/\.(mts|mjs)$/.test(path)) return undefined;
  let manifest: string | undefined;
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    let type: unknown;
    try {
      type = (JSON.parse(readFileSync(candidate, 'utf8')) as { type?: unknown }).type;
    } catch {
      if (dirname(dir) === dir) break;
      continue;
    }
    if (type === 'module' && !/\.(cts|cjs)$/.test(path)) return undefined;
    manifest = candidate;
    break;
  }
  const where = manifest ? `${manifest} has no "type": "module"` : 'no package.json above it says "type": "module"';
  return `the job loads as CommonJS: ${where}; add "type": "module" to the project's package.json, or name the job .mts`;
}

async function build(file: string, path: string, ranItself: () => boolean): Promise<Pipeline | undefined> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof SluiceError || ranItself()) throw e;
    const cjs = commonJsHint(path, e);
    throw new CliError(`${file}: cannot load: ${oneLine(e)}${cjs ? ` (${cjs})` : ''}`, { cause: e });
  }

  // A CommonJS module's default export is its module.exports, so `exports.pipeline = …` arrives as both.
  const exportsObject = mod.pipeline !== undefined && typeof mod.default === 'object' && mod.default !== null && (mod.default as Record<string, unknown>).pipeline === mod.pipeline;
  const name = mod.default !== undefined && !exportsObject ? 'default' : mod.pipeline !== undefined ? 'pipeline' : undefined;
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
