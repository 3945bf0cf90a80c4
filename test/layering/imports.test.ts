// Layers point one way (DSL -> IR -> planner -> engine -> runtimes): the DSL, the IR, the
// planner and the connectors import nothing from runtimes/, statically or dynamically.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : f.endsWith('.ts') ? [p] : [];
  });
}

/** Module specifiers a file imports (import … from, export … from, import()). */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)].map((m) => m[1]);
}

describe('layering', () => {
  for (const layer of ['src/dsl', 'src/ir', 'src/planner', 'src/io', 'src/schema', 'src/wire', 'src/time']) {
    it(`${layer} imports nothing from runtimes/`, () => {
      const offending = sources(join(root, layer)).flatMap((f) => imports(f).filter((s) => /(^|\/)runtimes\//.test(s)).map((s) => `${relative(root, f)} imports ${s}`));
      expect(offending).toEqual([]);
    });
  }

  it('src/dsl does not read the cluster runtime\'s environment variables', () => {
    const offending = sources(join(root, 'src/dsl')).filter((f) => /SLUICE_WORKER|SLUICE_PIPELINE/.test(readFileSync(f, 'utf8'))).map((f) => relative(root, f));
    expect(offending).toEqual([]);
  });

  it('the check sees imports (it would catch the ones it forbids)', () => {
    expect(imports(join(root, 'src/index.ts'))).toContain('../runtimes/local/index.js');
    expect(imports(join(root, 'src/runtime.ts'))).toContain('../runtimes/cluster/index.js');
  });
});
