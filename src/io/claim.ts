import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { RuntimeError } from '../errors.js';
import type { ClaimContext } from './connector.js';

/**
 * The claim of output at `path` that already holds something (`marker`: the file naming the
 * checkpoint that wrote it): allowed when the run resumes that checkpoint; cleared with
 * `clear` when the run overwrites; else refused in one line naming the path and the fix.
 * With a checkpoint directory, the marker then names it.
 * @internal
 */
export function claimExisting(ctx: ClaimContext, what: string, path: string, marker: string, holds: boolean, clear: () => void): void {
  const owner = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : undefined;
  if (holds && !(ctx.checkpointDir !== undefined && owner === ctx.checkpointDir)) {
    if (!ctx.overwrite) {
      throw new RuntimeError(
        `${ctx.operator}: ${what} ${path} already holds the output of an earlier run${owner !== undefined ? ` (checkpoint ${owner})` : ''}; nothing was run`,
        { operator: ctx.operator, location: path },
        `pass --overwrite (overwrite: true) to replace it${owner !== undefined ? `, resume with --checkpoint-dir ${owner}` : ''}, or write elsewhere`,
      );
    }
    clear();
  }
  if (ctx.checkpointDir !== undefined) writeFileSync(marker, ctx.checkpointDir + '\n');
}
