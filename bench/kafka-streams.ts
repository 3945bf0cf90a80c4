/**
 * The Kafka Streams peer (bench/kafka-streams/, a Maven project): building it and running
 * it against the benchmark's broker.
 *
 * @module
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT = fileURLToPath(new URL('./kafka-streams/', import.meta.url));
const CLASSPATH = `${join(PROJECT, 'target', 'classes')}:${join(PROJECT, 'target', 'libs', '*')}`;

/**
 * Builds the peer with Maven: offline first (`mvn -q -o`, when the local repository has
 * everything), online when that fails. Throws with Maven's output when both fail.
 */
export function buildPeer(): void {
  const args = ['-q', '-B', 'package', '-DskipTests'];
  const offline = spawnSync('mvn', ['-o', ...args], { cwd: PROJECT, encoding: 'utf8' });
  if (offline.status === 0) return;
  process.stderr.write('bench: kafka: the offline Maven build failed; building online\n');
  const online = spawnSync('mvn', args, { cwd: PROJECT, encoding: 'utf8' });
  if (online.status !== 0 || !existsSync(join(PROJECT, 'target', 'classes'))) {
    throw new Error(`building the Kafka Streams peer failed (mvn package in ${PROJECT}):\n${online.stdout}${online.stderr}`);
  }
}

/** A running Kafka Streams word count. */
export interface Peer {
  /** When the application reached RUNNING (ms since the epoch). */
  readonly running: Promise<number>;
  /** Rejects when the application exits before `stop()` was called. */
  readonly failed: Promise<never>;
  /** SIGTERM (the app closes cleanly), SIGKILL after 20 s; removes its state directory. */
  stop(): Promise<void>;
}

/**
 * Starts the word count (`guarantee`: `exactly_once_v2` or `at_least_once`) as application
 * `appId`, reading `input` and writing `output`, committing every `commitIntervalMs`.
 */
export function startPeer(bootstrap: string, input: string, output: string, appId: string, guarantee: 'exactly_once_v2' | 'at_least_once', commitIntervalMs: number): Peer {
  const stateDir = mkdtempSync(join(tmpdir(), 'sluice-bench-kstreams-'));
  const child: ChildProcess = spawn('java', ['-Xmx512m', '-cp', CLASSPATH, 'dev.sluice.bench.WordCount', bootstrap, input, output, appId, guarantee, stateDir, String(commitIntervalMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let exited = false;
  let stopping = false;
  const gone = new Promise<void>((resolve) => child.on('exit', () => { exited = true; resolve(); }));
  const failed = gone.then((): never => { throw new Error(`the Kafka Streams peer (${guarantee}) exited${stopping ? '' : ' on its own'}`); });
  failed.catch(() => {});
  const running = new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const m = /RUNNING (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
      if (/ERROR \d+/.test(out)) reject(new Error(`the Kafka Streams peer (${guarantee}) went to state ERROR`));
    });
    void gone.then(() => reject(new Error(`the Kafka Streams peer (${guarantee}) exited before it was running`)));
  });
  running.catch(() => {});
  // Failing on its own (ERROR, or an exit before stop()); nothing once stop() was called.
  const failedOnItsOwn = Promise.race([failed, running.then(() => failed)]).catch((e: unknown): Promise<never> => { if (stopping) return new Promise<never>(() => {}); throw e; });
  failedOnItsOwn.catch(() => {});
  return {
    running,
    failed: failedOnItsOwn,
    async stop() {
      stopping = true;
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await gone;
        clearTimeout(timer);
      }
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
