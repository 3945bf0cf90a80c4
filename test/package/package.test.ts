/**
 * The package as a user gets it: `npm pack` (its `prepack` builds dist/), the tarball
 * installed into a fresh project outside the repository, then (a) plain `node` runs a
 * pipeline, (b) `tsc` with the strictest settings users have and `skipLibCheck: false`
 * type-checks a typed pipeline against the shipped declarations, (c) `npx sluice run job.ts
 * -- arg1 arg2` runs a TypeScript job that reads its arguments, (d) the same in a CommonJS
 * project (no `"type": "module"`, as `npm init` writes it), where the job and `require`
 * load the package as CommonJS.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };
const run = promisify(execFile);
const LONG = 240_000;

/** Runs a command; on failure the error shows its output. */
async function sh(cmd: string, args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(cmd, args, { cwd, env: { ...process.env, NO_COLOR: '1', npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' }, maxBuffer: 16 << 20 });
  } catch (e) {
    const { stdout, stderr, message } = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${message}\n--- stdout\n${stdout ?? ''}\n--- stderr\n${stderr ?? ''}`);
  }
}
const npm = (args: string[], cwd: string) => sh(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, cwd);

/** The settings of a strict user project (beyond `strict`), with the library's declarations checked too. */
const STRICTEST = {
  target: 'ES2022',
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  lib: ['ES2023'],
  types: ['node'],
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  noPropertyAccessFromIndexSignature: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  noImplicitOverride: true,
  noImplicitReturns: true,
  noFallthroughCasesInSwitch: true,
  skipLibCheck: false,
  noEmit: true,
};

const APP = `import { Pipeline, Sinks, Sources, pair, seconds, some, isSome } from 'sluice';
import { runBatches } from 'sluice/testing';
import { writeFileSync } from 'node:fs';

writeFileSync('words.txt', 'to be or\\nnot to be\\n');
const p = Pipeline.create('app', { batchInterval: seconds(1) });
const out = Sinks.collect();
p.source(Sources.textFile('words.txt')).flatMap((l) => l.split(' ')).map((w) => pair(w, 1)).reduceByKey((a, b) => a + b).to(out);
const { metrics } = await p.run();
const harness = await runBatches([['a b', 'a'], ['b']], (s) => s.flatMap((l) => l.split(' ')).countByValue());
let internal = 'importable';
try { await import('sluice/internal/x'); } catch (e) { internal = e.code; }
console.log(JSON.stringify({ counts: Object.fromEntries(out.records()), batches: metrics.batches, harness, option: isSome(some(1)), internal }));
`;

const TYPED = `import { Pipeline, S, Sinks, Sources, isSome, none, pair, seconds, some, type Option, type Sink, type Stream } from 'sluice';
import { runBatches, type RunBatchesOptions } from 'sluice/testing';

const Reading = S.record('Reading', { sensor: S.string(), celsius: S.double(), note: S.optional(S.string()) });
type Reading = S.Infer<typeof Reading>;

export const pipeline = Pipeline.create('typed', { batchInterval: seconds(1) });
const readings: Stream<Reading> = pipeline.source(Sources.jsonLines('in.jsonl', Reading));
readings
  .map((r) => pair(r.sensor, r.celsius))
  .updateStateByKey((values: number[], state: Option<number>): Option<number> =>
    values.length ? some(values.reduce((a, b) => a + b, isSome(state) ? state.value : 0)) : none)
  .to(Sinks.jsonLines('out'));

const wide: Sink<Reading & { site: string }> = Sinks.collect<Reading & { site: string }>();
// @ts-expect-error a sink of records with a field the stream lacks
readings.to(wide);
readings.to(Sinks.collect<{ sensor: string }>() as Sink<{ sensor: string }>);

const opts: RunBatchesOptions = { batchInterval: seconds(2) };
export const doubled: Promise<number[][]> = runBatches([[1, 2]], (s) => s.map((x: number) => x * 2), opts);
`;

const JOB = `import { Pipeline, Sources, seconds } from 'sluice';

const args: string[] = process.argv.slice(2);
export const pipeline = Pipeline.create('args', { batchInterval: seconds(1) });
pipeline.source(Sources.fromIterable(args)).map((a: string) => \`arg=\${a}\`).print();
`;

let dir = '';
let app = '';
let tarball = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-package-'));
  const { stdout } = await npm(['pack', '--json', '--pack-destination', dir], root);
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string }[];
  tarball = join(dir, packed!.filename);
  app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'sluice-user', private: true, type: 'module' }));
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: STRICTEST, include: ['typed.ts'] }, null, 2));
  writeFileSync(join(app, 'app.mjs'), APP);
  writeFileSync(join(app, 'typed.ts'), TYPED);
  writeFileSync(join(app, 'job.ts'), JOB);
  // A CommonJS project inside it (its own package.json, without "type"), using the same node_modules.
  mkdirSync(join(app, 'cjs'));
  writeFileSync(join(app, 'cjs', 'package.json'), JSON.stringify({ name: 'sluice-cjs-user', private: true }));
  writeFileSync(join(app, 'cjs', 'job.ts'), JOB);
  writeFileSync(join(app, 'cjs', 'named.js'), "const { Pipeline, Sources, seconds } = require('sluice');\nexports.pipeline = Pipeline.create('named', { batchInterval: seconds(1) });\nexports.pipeline.source(Sources.fromIterable(['n'])).print();\n");
  writeFileSync(join(app, 'cjs', 'req.js'), "const s = require('sluice');\nconst t = require('sluice/testing');\nconsole.log(typeof s.Pipeline.create, typeof t.runBatches);\n");
  await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, `@types/node@${pkg.devDependencies['@types/node']}`], app);
}, LONG);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.concurrent('the npm package', { timeout: LONG }, () => {
  it('ships dist (ESM, declarations, source maps, the web UI page), bin and the README; no sources, tests, benchmarks or CI', async () => {
    const { stdout } = await sh('tar', ['-tzf', tarball], dir);
    const files = stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
    for (const f of ['package.json', 'README.md', 'bin/sluice.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/index.js.map', 'dist/src/testing/index.js', 'dist/src/testing/index.d.ts', 'dist/src/cli/main.js', 'dist/src/ui/page/index.html', 'dist/src/ui/page/app.js', 'dist/src/ui/page/style.css']) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => !/^(dist\/|bin\/sluice\.js$|README\.md$|package\.json$)/.test(f))).toEqual([]);
    expect(files.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('lists every package the compiled library imports as a runtime dependency', () => {
    const bare = new Set<string>();
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name));
        else if (e.name.endsWith('.js')) {
          const code = readFileSync(join(d, e.name), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
          for (const m of code.matchAll(/(?:from|import\()\s*['"]([^'"./][^'"]*)['"]/g)) bare.add(m[1]!);
        }
      }
    };
    walk(join(app, 'node_modules/sluice/dist'));
    const packages = [...bare].filter((s) => !s.startsWith('node:') && !builtinModules.includes(s)).map((s) => s.split('/').slice(0, s.startsWith('@') ? 2 : 1).join('/'));
    expect(packages.length).toBeGreaterThan(0);
    for (const p of new Set([...packages, 'tsx'])) expect(Object.keys(pkg.dependencies), `${p} is imported by dist/ but not a dependency`).toContain(p);
  });

  it('(a) plain node runs a pipeline from the installed package', async () => {
    const { stdout } = await sh(process.execPath, ['app.mjs'], app);
    expect(JSON.parse(stdout)).toEqual({
      counts: { to: 2, be: 2, or: 1, not: 1 },
      batches: 1,
      harness: [[['a', 2], ['b', 1]], [['b', 1]]],
      option: true,
      internal: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
    });
  });

  it('(b) tsc --noEmit with the strictest settings and skipLibCheck false type-checks a typed pipeline', async () => {
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const { stdout } = await sh(process.execPath, [tsc, '--noEmit', '-p', '.'], app);
    expect(stdout).toBe('');
  });

  it('(c) npx sluice run job.ts -- arg1 arg2 runs a TypeScript job that reads its arguments', async () => {
    const { stdout, stderr } = await sh('npx', ['--no', 'sluice', 'run', 'job.ts', '--', 'arg1', 'arg2'], app);
    expect(stdout).toBe(['-------------------------------------------', 'Time: 1000 ms (1s)', '-------------------------------------------', 'arg=arg1', 'arg=arg2', '', ''].join('\n'));
    expect(stderr).toMatch(/^sluice: args done: 1 batch, 2 records read, 0 dead letters, 0 late records/);
    const { stdout: version } = await sh('npx', ['--no', '--', 'sluice', '--version'], app);
    expect(version.trim()).toBe(pkg.version);
  });

  it('(d) in a CommonJS project, npx sluice run job.ts runs the same job, require() loads the package, a job may export its pipeline as exports.pipeline', async () => {
    const cjs = join(app, 'cjs');
    const { stdout, stderr } = await sh('npx', ['--no', 'sluice', 'run', 'job.ts', '--', 'arg1', 'arg2'], cjs);
    expect(stdout).toBe(['-------------------------------------------', 'Time: 1000 ms (1s)', '-------------------------------------------', 'arg=arg1', 'arg=arg2', '', ''].join('\n'));
    expect(stderr).toMatch(/^sluice: args done: 1 batch, 2 records read/);
    expect((await sh(process.execPath, ['req.js'], cjs)).stdout).toBe('function function\n');
    // A CommonJS job's module.exports is its default export: `exports.pipeline = …` is found all the same.
    const named = await sh('npx', ['--no', 'sluice', 'run', 'named.js'], cjs);
    expect(named.stdout.split('\n').filter(Boolean).at(-1)).toBe('n');
  });
});
