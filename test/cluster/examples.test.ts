/**
 * The examples (file sources with malformed lines, a static table, event-time windows with
 * late records) on the cluster runtime through the CLI: the same stdout, as a multiset of
 * lines, and the same summary as on the local runtime.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const examples = readdirSync(new URL('../../examples/', import.meta.url)).filter((f) => f.endsWith('.ts'))
  // The Kafka examples need a broker; test/kafka/examples.test.ts runs them against one.
  .filter((f) => !f.startsWith('kafka-'))
  .sort();
const summary = (stderr: string) => stderr.trim().split('\n').at(-1)!.replace(/ \([^)]*\)$/, '');

describe('examples on the cluster runtime', () => {
  for (const example of examples) {
    it(`${example} on 2 workers prints what it prints locally`, async () => {
      const local = await run(process.execPath, ['bin/sluice.js', 'run', `examples/${example}`], { cwd: root });
      const cluster = await run(process.execPath, ['bin/sluice.js', 'run', `examples/${example}`, '--runtime', 'cluster', '--workers', '2'], { cwd: root });
      expect(cluster.stdout.split('\n').sort()).toEqual(local.stdout.split('\n').sort());
      expect(local.stdout.length).toBeGreaterThan(0);
      expect(summary(cluster.stderr)).toBe(summary(local.stderr));
    });
  }
});
