// Spawns the real CLI (`node bin/sluice.js …`) on the jobs under fixtures/.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name: string) => `test/cli/fixtures/${name}`;

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/sluice.js ...args` in the repo root; `onStdout` sees stdout as it arrives. */
function sluice(args: string[], opts: { env?: NodeJS.ProcessEnv; onStdout?: (text: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/sluice.js', ...args], {
      cwd: root,
      env: { ...process.env, SLUICE_DEBUG: '', NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      opts.onStdout?.(stdout, child);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

/** The console sink's output for one batch. */
const batch = (ms: number, label: string, records: string[]) => [
  '-------------------------------------------',
  `Time: ${ms} ms (${label})`,
  '-------------------------------------------',
  ...records,
  '',
].join('\n');

describe.concurrent('sluice run', () => {
  it('runs a default-exported pipeline and prints its output and a summary', async () => {
    const r = await sluice(['run', fixture('word-count.ts')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(batch(1000, '1s', ['["to",1]', '["be",1]', '["or",1]', '["not",1]']) + '\n' + batch(2000, '2s', ['["to",1]', '["be",1]']) + '\n');
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^sluice: word-count done: 2 batches, 3 records read, 0 dead letters, 0 late records \(\d+(\.\d)? m?s\)\n$/);
  });

  it('takes a named `pipeline` export and --max-batch-size', async () => {
    const r = await sluice(['run', fixture('named.ts'), '--max-batch-size', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(batch(1000, '1s', ['1', '4']) + '\n' + batch(2000, '2s', ['9', '16']) + '\n' + batch(3000, '3s', ['25']) + '\n');
    expect(r.stderr).toContain('sluice: squares done: 3 batches, 5 records read,');
  });

  it('takes a default-exported async function returning a pipeline', async () => {
    const r = await sluice(['run', fixture('factory.ts')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(batch(2000, '2s', ['X']) + '\n' + batch(4000, '4s', ['Y']) + '\n');
  });

  it('stops after --batches N', async () => {
    const r = await sluice(['run', fixture('word-count.ts'), '--batches', '1', '--pace', 'asap']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(batch(1000, '1s', ['["to",1]', '["be",1]', '["or",1]', '["not",1]']) + '\n');
    expect(r.stderr).toContain('word-count done: 1 batch, 2 records read');
  });

  it('counts dead letters in the summary', async () => {
    const r = await sluice(['run', fixture('dead-letters.ts')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(batch(1000, '1s', ['1', '2']) + '\n');
    expect(r.stderr).toContain('parse done: 1 batch, 3 records read, 1 dead letter, 0 late records');
  });

  it('stops an unbounded job after the current batch on SIGINT and exits 0', async () => {
    let sent = false;
    const r = await sluice(['run', fixture('forever.ts')], {
      onStdout: (out, child) => {
        if (!sent && (out.match(/^Time: /gm) ?? []).length >= 2) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(0);
    expect(lines(r.stderr)).toEqual([
      'sluice: SIGINT: stopping after the current batch (send it again to exit at once)',
      expect.stringMatching(/^sluice: ticks stopped: \d+ batches, \d+ records read, 0 dead letters, 0 late records/),
    ]);
    expect(r.stdout.endsWith('\n\n')).toBe(true); // the last batch was printed whole
  });

  it('stops on SIGTERM too', async () => {
    let sent = false;
    const r = await sluice(['run', fixture('forever.ts'), '--pace', 'realtime'], {
      onStdout: (_out, child) => {
        if (!sent) {
          sent = true;
          child.kill('SIGTERM');
        }
      },
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^sluice: SIGTERM: stopping after the current batch.*\nsluice: ticks stopped: /);
  });
});

describe.concurrent('job arguments, flags that cannot apply, jobs that run themselves', () => {
  it('arguments after -- reach the job as process.argv.slice(2), options among them included', async () => {
    const r = await sluice(['run', fixture('args.ts'), '--max-batch-size', '10', '--', 'in.txt', '--batches', '7', '--']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(batch(1000, '1s', ['script=args.ts', 'in.txt', '--batches', '7', '--']) + '\n');
    expect(r.stderr).toContain('args done: 1 batch, 5 records read');
  });

  it('explain passes them too', async () => {
    const r = await sluice(['explain', fixture('args.ts'), '--json', '--', 'x']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'args' });
  });

  /** Exit code 2, nothing on stdout, exactly `message` on stderr. */
  const usage = async (args: string[], message: string) => {
    const r = await sluice(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`sluice: ${message}\n`);
  };

  it('an argument without -- is a usage error that says where job arguments go', () =>
    usage(['run', fixture('args.ts'), 'in.txt'], "too many arguments for 'run'. Expected 1 argument but got 2: arguments for the job go after -- (see sluice run --help)"));

  it('--workers without --runtime cluster is a usage error naming the flag', () =>
    usage(['run', fixture('word-count.ts'), '--workers', '2'], '--workers applies to the cluster runtime only: add --runtime cluster (see sluice run --help)'));

  it('--equal-slices without --runtime cluster is a usage error naming the flag', () =>
    usage(['run', fixture('word-count.ts'), '--equal-slices'], '--equal-slices applies to the cluster runtime only: add --runtime cluster (see sluice run --help)'));

  it('--workers with --runtime local and --checkpoint-dir is a usage error, and nothing is written', async () => {
    const dir = join(tmpdir(), `sluice-cli-ckpt-${process.pid}`);
    await usage(['run', fixture('word-count.ts'), '--checkpoint-dir', dir, '--runtime', 'local', '--workers', '2'], '--workers applies to the cluster runtime only: add --runtime cluster (see sluice run --help)');
    expect(existsSync(dir)).toBe(false);
  });

  it('explain --partitions without --physical is a usage error naming the flag', () =>
    usage(['explain', fixture('word-count.ts'), '--partitions', '2'], '--partitions applies to the physical plan only: add --physical (see sluice explain --help)'));

  it('a module that runs its exported pipeline itself runs once, with the command line options', async () => {
    const r = await sluice(['run', fixture('runs-itself.ts'), '--batches', '2'], { env: { SLUICE_FIXTURE_SAY: '1' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(batch(1000, '1s', ['a']) + '\n' + batch(2000, '2s', ['b']) + '\n');
    expect(lines(r.stderr)).toEqual(['ran 2 batches', expect.stringMatching(/^sluice: self done: 2 batches, 2 records read, 0 dead letters, 0 late records/)]);
  });

  it('a module that starts a run and exports nothing runs once', async () => {
    const r = await sluice(['run', fixture('runs-itself-no-export.ts')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(batch(1000, '1s', ['a']) + '\n' + batch(2000, '2s', ['b']) + '\n' + batch(3000, '3s', ['c']) + '\n');
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^sluice: self-no-export done: 3 batches, 3 records read/)]);
  });

  it('explain does not run a module that runs itself, and prints its plan', async () => {
    const r = await sluice(['explain', fixture('runs-itself-no-export.ts')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Pipeline self-no-export \(batch 1s,/);
    expect(r.stdout).not.toContain('Time:');
  });
});

describe.concurrent('sluice explain', () => {
  it('prints the plan', async () => {
    const r = await sluice(['explain', fixture('word-count.ts')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const out = lines(r.stdout);
    expect(out[0]).toMatch(/^Pipeline word-count \(batch 1s, 128 key groups, hash [0-9a-f]+\)$/);
    for (const id of ['source#0', 'flatMap#1', 'map#2', 'reduceByKey#3', 'sink#4']) expect(out.some((l) => l.trim().startsWith(id))).toBe(true);
  });

  it('--json prints the plan as JSON', async () => {
    const r = await sluice(['explain', fixture('named.ts'), '--json']);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as { name: string; batchIntervalMs: number; nodes: { id: string; kind: string }[] };
    expect(plan.name).toBe('squares');
    expect(plan.batchIntervalMs).toBe(1000);
    expect(plan.nodes.map((n) => n.kind)).toEqual(['source', 'map', 'sink']);
  });

  it('--dot prints a Graphviz digraph', async () => {
    const r = await sluice(['explain', fixture('word-count.ts'), '--dot']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^digraph "word-count" \{\n[\s\S]*"source#0" -> "flatMap#1";[\s\S]*\}\n$/);
  });

  it('--physical prints stages, partitions and shuffle edges', async () => {
    const r = await sluice(['explain', fixture('word-count.ts'), '--physical', '--partitions', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Physical plan word-count \(batch 1s, 128 key groups, 2 partitions,/);
    expect(r.stdout).toMatch(/hash\(key\) over 128 key groups, map-side combine \(reduceByKey\)/);
  });

  it('works on a factory export', async () => {
    const r = await sluice(['explain', fixture('factory.ts')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Pipeline factory \(batch 2s,/);
  });
});

describe.concurrent('--help', () => {
  it('sluice --help lists the commands and the job module contract', async () => {
    const r = await sluice(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: sluice \[options\] \[command\]/);
    expect(r.stdout).toContain('run [options] <job>');
    expect(r.stdout).toContain('explain [options] <job>');
    expect(r.stdout).toContain('export const pipeline');
  });

  it('sluice run --help lists its options', async () => {
    const r = await sluice(['run', '--help']);
    expect(r.code).toBe(0);
    for (const o of ['--pace <pace>', '--batches <n>', '--max-batch-size <n>', '--runtime <name>', '--workers <n>', '--checkpoint-dir <dir>']) expect(r.stdout).toContain(o);
    expect(r.stdout).toContain('export default');
    expect(r.stdout).toContain('Usage: sluice run [options] <job> [-- args...]');
    expect(r.stdout).toContain('process.argv.slice(2) are the arguments');
  });

  it('sluice explain --help lists its options', async () => {
    const r = await sluice(['explain', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--json');
    expect(r.stdout).toContain('--dot');
  });

  it('sluice with no command prints the help on stderr and exits 2', async () => {
    const r = await sluice([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Usage: sluice/);
  });
});

describe.concurrent('errors: one line on stderr, no stack trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const oneLine = async (args: string[], code: number, expected: string | RegExp) => {
    const r = await sluice(args);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    expect(r.stderr.endsWith('\n')).toBe(true);
    expect(lines(r.stderr)).toHaveLength(1);
    if (typeof expected === 'string') expect(r.stderr).toBe(`${expected}\n`);
    else expect(r.stderr).toMatch(expected);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  };

  it('a path that does not exist', () => oneLine(['run', 'examples/nope.ts'], 1, 'sluice: examples/nope.ts: no such file'));
  it('a directory', () => oneLine(['explain', 'test/cli/fixtures'], 1, 'sluice: test/cli/fixtures: not a file'));
  it('a module that exports no pipeline', () =>
    oneLine(['run', fixture('no-pipeline.ts')], 1, `sluice: ${fixture('no-pipeline.ts')} exports no pipeline (export default a Pipeline, or export const pipeline)`));
  it('a module whose default export is not a pipeline', () =>
    oneLine(['explain', fixture('not-a-pipeline.ts')], 1, /^sluice: test\/cli\/fixtures\/not-a-pipeline\.ts: the default export is an object, not a Pipeline/));
  it('a module that does not compile', () => {
    const file = join(dir, 'broken.ts');
    writeFileSync(file, 'export default = ;\n');
    return oneLine(['run', relative(root, file)], 1, /^sluice: .*broken\.ts: cannot load: .*Unexpected "="/);
  });
  it('a job that loads as CommonJS and imports TypeScript ES modules: the line says so and how to fix it; with "type": "module" it runs', async () => {
    // tsx, as Node, loads a .ts file as CommonJS when no package.json above it says "type": "module"; it then require()s what it imports.
    const job = `import { Pipeline, Sources, seconds } from ${JSON.stringify(join(root, 'src/index.ts'))};\nexport const pipeline = Pipeline.create('cjs', { batchInterval: seconds(1) });\npipeline.source(Sources.fromIterable(['x'])).print();\n`;
    const cjs = join(dir, 'cjs-job.ts');
    writeFileSync(cjs, job);
    await oneLine(['run', relative(root, cjs)], 1, /^sluice: .*cjs-job\.ts: cannot load: .* \(the job loads as CommonJS: no package\.json above it says "type": "module"; add "type": "module" to the project's package\.json, or name the job \.mts\)\n$/);
    const esm = join(dir, 'esm');
    mkdirSync(esm);
    writeFileSync(join(esm, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(join(esm, 'job.ts'), job);
    const r = await sluice(['run', relative(root, join(esm, 'job.ts'))]);
    expect([r.code, lines(r.stdout).at(-1)]).toEqual([0, 'x']);
  });
  it('a PipelineError thrown while the module builds', () => oneLine(['run', fixture('bad-build.ts')], 1, 'sluice: Pipeline.create: a pipeline needs a name'));
  it('a PipelineError from validation (run)', () => oneLine(['run', fixture('no-sink.ts')], 1, /^sluice: pipeline no-sink has no output/));
  it('a PipelineError from validation (explain)', () => oneLine(['explain', fixture('no-sink.ts')], 1, /^sluice: pipeline no-sink has no output/));
  it('a user function that throws (UserFunctionError)', () =>
    oneLine(['run', fixture('user-error.ts')], 1, /^sluice: operator map#1 failed at batch 1000 on record 2: two is not allowed/));
  it('an unknown runtime (the pipeline’s RuntimeError)', () =>
    oneLine(['run', fixture('word-count.ts'), '--runtime', 'nope'], 1, /^sluice: unknown runtime 'nope'/));

  it('usage: unknown command', () => oneLine(['frob'], 2, "sluice: unknown command 'frob' (see sluice --help)"));
  it('usage: missing job', () => oneLine(['run'], 2, "sluice: missing required argument 'job' (see sluice run --help)"));
  it('usage: unknown option', () => oneLine(['run', fixture('word-count.ts'), '--bogus'], 2, "sluice: unknown option '--bogus' (see sluice run --help)"));
  it('usage: bad --pace', () => oneLine(['run', fixture('word-count.ts'), '--pace', 'fast'], 2, /^sluice: option '--pace <pace>' argument 'fast' is invalid\. Allowed choices are asap, realtime\./));
  it('usage: bad --batches', () => oneLine(['run', fixture('word-count.ts'), '--batches', 'two'], 2, /^sluice: option '--batches <n>' argument 'two' is invalid\. expected an integer >= 0\./));
  it('usage: --physical with --json', () => oneLine(['explain', fixture('word-count.ts'), '--physical', '--json'], 2, /cannot be used with option/));
  it('usage: --json with --dot', () => oneLine(['explain', fixture('word-count.ts'), '--json', '--dot'], 2, /^sluice: option '--json' cannot be used with option '--dot'/));

  it('SLUICE_DEBUG=1 prints the stack trace', async () => {
    const r = await sluice(['run', fixture('user-error.ts')], { env: { SLUICE_DEBUG: '1' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^sluice: UserFunctionError: operator map#1/);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});
