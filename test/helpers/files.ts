import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every file under `dir` (relative path → content in `encoding`), except the markers naming a checkpoint directory (`_checkpoint`, `*.checkpoint`). */
export function outputFiles(dir: string, encoding: BufferEncoding = 'utf8'): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const f of readdirSync(d).sort()) {
      if (f === '_checkpoint' || f.endsWith('.checkpoint')) continue;
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p, `${rel}${f}/`);
      else out[`${rel}${f}`] = readFileSync(p).toString(encoding);
    }
  };
  walk(dir, '');
  return out;
}
