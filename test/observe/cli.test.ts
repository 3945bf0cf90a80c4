// The watching flags of `sluice run` and the `sluice ui` command, through the real CLI; the log format.
import { runNode, type Finished } from '../helpers/spawn.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readProgressFile } from '../../src/observe/progress-file.js';
import { prettyLine } from '../../src/observe/log.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sluice-obs-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Finished> {
  return runNode(args, { cwd: root, env: { ...process.env, SLUICE_DEBUG: '', SLUICE_LOG: '', SLUICE_LOG_LEVEL: '', ...env } });
}

describe('sluice run: watching flags', () => {
  it('--progress-file writes the header and one line per batch; --metrics-port says where metrics are', async () => {
    const file = join(dir, 'wc.jsonl');
    const r = await run(['bin/sluice.js', 'run', 'test/cli/fixtures/word-count.ts', '--progress-file', file, '--metrics-port', '0']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^sluice: metrics at http:\/\/127\.0\.0\.1:\d+\/metrics\n/);
    expect(r.stderr).toMatch(/sluice: word-count done: 2 batches/);
    const { header, batches } = readProgressFile(file);
    expect(header.plan.name).toBe('word-count');
    expect(batches.map((b) => b.batch)).toEqual([1, 2]);
  });

  it('--ui with a job that fails: the error is reported and the command exits (the UI does not hold it)', async () => {
    const r = await run(['bin/sluice.js', 'run', 'test/cli/fixtures/user-error.ts', '--ui', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^sluice: web UI at http:\/\/127\.0\.0\.1:\d+\/\n/);
    expect(r.stderr).not.toMatch(/stays at/);
  });

  it('bad flags fail with usage errors naming them', async () => {
    const level = await run(['bin/sluice.js', 'run', 'test/cli/fixtures/word-count.ts', '--log-level', 'loud']);
    expect(level.code).toBe(2);
    expect(level.stderr).toMatch(/--log-level <level>' argument 'loud' is invalid/);
    const port = await run(['bin/sluice.js', 'run', 'test/cli/fixtures/word-count.ts', '--metrics-port', 'x']);
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/--metrics-port/);
  });

  it('sluice ui: a missing or foreign progress file is one error line naming it', async () => {
    const missing = await run(['bin/sluice.js', 'ui', join(dir, 'nope.jsonl')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/progress file .*nope\.jsonl: ENOENT/);
    const foreign = await run(['bin/sluice.js', 'ui', 'package.json']);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toMatch(/package\.json: line 1 is not a sluice progress header/);
  });
});

describe('logs', () => {
  it('JSON lines off a TTY, with the site as fields; the level filters', async () => {
    const debug = await run(['--import', 'tsx', 'test/observe/fixtures/log-lines.ts'], { SLUICE_LOG_LEVEL: 'debug' });
    const lines = debug.stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [20, '[worker 1 stage-2/p1 batch 3000] done: reduceByKey#3=4'],
      [30, '[coordinator batch 2000] resuming after batch 2000 from its checkpoint'],
    ]);
    expect(lines[0]).toMatchObject({ worker: 1, stage: 'stage-2', partition: 1, batch: 3000, name: 'sluice' });
    const info = await run(['--import', 'tsx', 'test/observe/fixtures/log-lines.ts']);
    expect(info.stderr.trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['[coordinator batch 2000] resuming after batch 2000 from its checkpoint']);
    const legacy = await run(['--import', 'tsx', 'test/observe/fixtures/log-lines.ts'], { SLUICE_LOG: 'debug' });
    expect(legacy.stderr.trim().split('\n')).toHaveLength(2);
    const quiet = await run(['--import', 'tsx', 'test/observe/fixtures/log-lines.ts'], { SLUICE_LOG_LEVEL: 'warn' });
    expect(quiet.stderr).toBe('');
    const pretty = await run(['--import', 'tsx', 'test/observe/fixtures/log-lines.ts'], { SLUICE_LOG_FORMAT: 'pretty' });
    expect(pretty.stderr).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  \[coordinator batch 2000\] resuming after batch 2000 from its checkpoint batch=2000\n$/);
  }, 120_000); // five processes, one after another

  it('a readable line from a JSON one', () => {
    expect(prettyLine('{"level":40,"time":0,"msg":"slow batch","batch":3,"pid":1}')).toBe('00:00:00.000 WARN  slow batch batch=3\n');
    expect(prettyLine('not json')).toBe('not json');
  });
});
