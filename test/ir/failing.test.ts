/**
 * Every file in ./failing builds a pipeline that must not run. Each exports `build()` and
 * `expected` (the error message); the pipeline must fail with a PipelineError whose
 * message matches and names the operator — either while it is built or when it is asked
 * to run, and then before any source is opened.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PipelineError, type Pipeline } from '../../src/index.js';
import { opened } from './spy-source.js';

const folder = join(dirname(fileURLToPath(import.meta.url)), 'failing');
const fixtures = readdirSync(folder).filter((f) => f.endsWith('.ts')).sort();

interface Fixture {
  build(): Pipeline;
  expected: RegExp;
}

async function failure(fx: Fixture): Promise<{ error: unknown; when: 'build' | 'run' }> {
  let p: Pipeline;
  try {
    p = fx.build();
  } catch (error) {
    return { error, when: 'build' };
  }
  const before = opened.count;
  try {
    await p.run({ pace: 'asap' });
  } catch (error) {
    expect(opened.count, 'a source was opened before the pipeline was rejected').toBe(before);
    return { error, when: 'run' };
  }
  throw new Error('the pipeline ran');
}

describe('failing plans (test/ir/failing/*.ts)', () => {
  it('has the fixtures', () => {
    expect(fixtures.map((f) => f.replace(/\.ts$/, ''))).toEqual([
      'dangling-stream', 'join-two-pipelines', 'negative-watermark-delay', 'no-sink', 'repartition-zero',
      'session-aggregate-without-merge', 'slide-not-multiple', 'sliding-slide-longer', 'union-different-slides', 'window-not-multiple',
    ]);
  });

  for (const file of fixtures) {
    it(file.replace(/\.ts$/, ''), async () => {
      const fx = (await import(pathToFileURL(join(folder, file)).href)) as Fixture;
      expect(fx.expected).toBeInstanceOf(RegExp);
      const { error } = await failure(fx);
      expect(error).toBeInstanceOf(PipelineError);
      const e = error as PipelineError;
      expect(e.code).toBe('INVALID_PIPELINE');
      expect(e.message).toMatch(fx.expected);
      expect(e.site.operator, 'the error names no operator').toMatch(/\S/);
      expect(e.message).toContain(e.site.operator);
    });
  }

  it('plan-time failures are found by plan(), explain(), hash(), toDot() and toJSON() too, not only by run()', async () => {
    for (const file of ['no-sink', 'dangling-stream', 'window-not-multiple', 'slide-not-multiple', 'union-different-slides']) {
      const fx = (await import(pathToFileURL(join(folder, `${file}.ts`)).href)) as Fixture;
      const p = fx.build();
      for (const f of [() => p.plan(), () => p.explain(), () => p.hash(), () => p.toDot(), () => p.toJSON()]) expect(f).toThrow(fx.expected);
    }
  });
});
