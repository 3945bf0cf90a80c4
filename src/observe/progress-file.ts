/**
 * The progress file (`--progress-file`): a header line with the plan, then one
 * {@link BatchProgress} JSON line per batch. `sluice ui FILE` reads it back.
 * @module
 */
import { readFileSync } from 'node:fs';
import { RuntimeError } from '../errors.js';
import type { Plan } from '../ir/plan.js';
import type { BatchProgress } from './progress.js';

/** The first line of a progress file. */
export interface ProgressHeader {
  readonly sluice: 'progress';
  readonly version: 1;
  readonly plan: Plan;
  /** Partitions of keyed stages in the run (for the physical plan). */
  readonly partitions: number;
}

export function progressHeader(plan: Plan, partitions: number): ProgressHeader {
  return { sluice: 'progress', version: 1, plan, partitions };
}

/** Reads a progress file: its header and its batches (a torn last line, from a killed run, is skipped). */
export function readProgressFile(path: string): { header: ProgressHeader; batches: BatchProgress[] } {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) {
    throw new RuntimeError(`progress file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { location: path }, 'pass a file written by sluice run --progress-file');
  }
  const lines = text.split('\n').filter((l) => l.trim());
  let header: ProgressHeader | undefined;
  try { header = JSON.parse(lines[0] ?? '') as ProgressHeader; } catch { /* reported below */ }
  if (!header || header.sluice !== 'progress' || !header.plan) {
    throw new RuntimeError(`progress file ${path}: line 1 is not a sluice progress header`, { location: `${path}:1` }, 'pass a file written by sluice run --progress-file');
  }
  const batches: BatchProgress[] = [];
  for (let i = 1; i < lines.length; i++) {
    try { batches.push(JSON.parse(lines[i]) as BatchProgress); } catch (e) {
      if (i === lines.length - 1) break;
      throw new RuntimeError(`progress file ${path}: line ${i + 1} is not JSON (${(e as Error).message})`, { location: `${path}:${i + 1}` });
    }
  }
  return { header, batches };
}
