/**
 * The project's own Apache Kafka broker for development, tests and examples: Kafka's jars
 * resolved from Maven Central by `kafka/pom.xml` into a cache outside the repository (keyed by
 * the pom's hash), one combined KRaft broker + controller on 127.0.0.1 on free ports, small
 * heap. Its bootstrap address is kept in a state file (`.tmp/kafka/broker.json`) so that
 * `npm run kafka:down`, the tests and the examples find it.
 *
 * Used by `scripts/kafka.ts` (npm run kafka:up / kafka:down / kafka:resolve) and by the vitest
 * global setup of `test/kafka`.
 *
 * @module
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root. */
export const REPO = resolve(here, '..');
const POM = join(REPO, 'kafka', 'pom.xml');
/** Where the running broker's address, pid and files are kept. */
export const STATE_DIR = process.env.SLUICE_KAFKA_STATE ?? join(REPO, '.tmp', 'kafka');
const STATE_FILE = join(STATE_DIR, 'broker.json');

/** What the state file records about a running broker. */
export interface BrokerState {
  readonly bootstrap: string;
  readonly pid: number;
  readonly dataDir: string;
  readonly logFile: string;
}

/** The log line prefix of these scripts. */
const say = (msg: string) => process.stderr.write(`kafka: ${msg}\n`);

/** Why this machine cannot run the broker (no java or no mvn on PATH), or undefined when it can. */
export function missingTools(): string | undefined {
  const missing = ['java', 'mvn'].filter((t) => spawnSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }).status !== 0);
  return missing.length ? `${missing.join(' and ')} not found on PATH` : undefined;
}

/** The cache directory of the jars for the current pom: `~/.cache/sluice-kafka/<pom hash>/libs`. */
export function libsDir(): string {
  const hash = createHash('sha256').update(readFileSync(POM)).digest('hex').slice(0, 16);
  const root = process.env.SLUICE_KAFKA_CACHE ?? join(homedir(), '.cache', 'sluice-kafka');
  return join(root, hash, 'libs');
}

/**
 * Resolves Kafka's runtime classpath with Maven into the cache (once per pom hash; a
 * half-finished copy is never used: Maven copies into a temp directory that is renamed).
 */
export function resolveJars(): string {
  const libs = libsDir();
  if (existsSync(libs) && readdirSync(libs).some((f) => f.startsWith('kafka_'))) return libs;
  const tmp = `${libs}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(dirname(libs), { recursive: true });
  say(`resolving Kafka from Maven Central into ${libs} (once)`);
  execFileSync('mvn', ['-q', '-B', '-f', POM, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${tmp}`], { stdio: ['ignore', 2, 2] });
  rmSync(libs, { recursive: true, force: true });
  renameSync(tmp, libs);
  return libs;
}

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The state file's broker, when its process is alive. */
export function runningBroker(): BrokerState | undefined {
  if (!existsSync(STATE_FILE)) return undefined;
  const s = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as BrokerState;
  return alive(s.pid) ? s : undefined;
}

/**
 * Waits until a Metadata request to `bootstrap` lists a live broker (an open port is not
 * enough: the broker accepts connections before it is unfenced). Throws after `timeoutMs`.
 */
export async function waitForBroker(bootstrap: string, timeoutMs: number, stillStarting: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING, connectionTimeout: 1000, retry: { retries: 0 } });
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!stillStarting()) throw new Error(`the broker process exited while starting`);
    const admin = kafka.admin();
    try {
      await admin.connect();
      const c = await admin.describeCluster();
      if (c.brokers.length > 0) {
        // Topics can be created only once the controller has unfenced the broker.
        await admin.fetchTopicMetadata({ topics: [] });
        return;
      }
      last = 'the cluster lists no broker yet';
    } catch (e) {
      last = (e as Error).message;
    } finally {
      await admin.disconnect().catch(() => {});
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no broker answered at ${bootstrap} within ${timeoutMs} ms (last: ${last})`);
}

/** The broker's configuration: combined KRaft mode, 127.0.0.1 only, every replication factor 1. */
function serverProperties(port: number, controllerPort: number, logDir: string): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${logDir}`,
    'num.partitions=1',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=3',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=3',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // Topics are created on purpose (tests check that a missing topic is named, not made up).
    'auto.create.topics.enable=false',
    // Tests with event times far ahead of the wall clock.
    'log.message.timestamp.after.max.ms=9223372036854775807',
    '',
  ].join('\n');
}

/**
 * Starts the broker unless the state file names a live one; returns its state. Waits until
 * a Metadata request succeeds (at most `timeoutMs`).
 */
export async function up(timeoutMs = 90_000): Promise<BrokerState> {
  const running = runningBroker();
  if (running) {
    await waitForBroker(running.bootstrap, timeoutMs);
    return running;
  }
  const why = missingTools();
  if (why) throw new Error(`cannot start Kafka: ${why}`);
  const libs = resolveJars();
  const [port, controllerPort] = [await freePort(), await freePort()];
  const dataDir = join(STATE_DIR, `data-${port}`);
  const logFile = join(STATE_DIR, `broker-${port}.log`);
  mkdirSync(dataDir, { recursive: true });
  const props = join(STATE_DIR, `server-${port}.properties`);
  writeFileSync(props, serverProperties(port, controllerPort, join(dataDir, 'logs')));
  const cp = `${libs}/*`;
  const jvm = ['-Xmx512m', '-Xms128m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Djava.awt.headless=true'];
  // A cluster id is 16 random bytes in URL-safe base64 without padding. One in 64 starts with
  // '-', which StorageTool's parser would take for an option after `-t`: hence `--cluster-id=`.
  const clusterId = randomBytes(16).toString('base64url');
  execFileSync('java', [...jvm, '-cp', cp, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', props], { stdio: ['ignore', 'ignore', 'inherit'] });
  const out = openSync(logFile, 'a');
  const child = spawn('java', [...jvm, '-cp', cp, 'kafka.Kafka', props], { detached: true, stdio: ['ignore', out, out] });
  let exited = false;
  child.on('exit', () => { exited = true; });
  child.unref();
  const state: BrokerState = { bootstrap: `127.0.0.1:${port}`, pid: child.pid!, dataDir, logFile };
  try {
    await waitForBroker(state.bootstrap, timeoutMs, () => !exited);
  } catch (e) {
    try { process.kill(state.pid, 'SIGKILL'); } catch { /* gone */ }
    throw new Error(`${(e as Error).message}; see ${logFile}`);
  }
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2) + '\n');
  return state;
}

/** Stops the state file's broker (SIGTERM, then SIGKILL after `graceMs`) and removes its files. */
export async function down(graceMs = 20_000): Promise<BrokerState | undefined> {
  if (!existsSync(STATE_FILE)) return undefined;
  const s = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as BrokerState;
  await stopProcess(s.pid, graceMs);
  rmSync(STATE_FILE, { force: true });
  rmSync(s.dataDir, { recursive: true, force: true });
  rmSync(join(STATE_DIR, `server-${s.bootstrap.split(':')[1]}.properties`), { force: true });
  return s;
}

/** Sends SIGTERM to `pid` (its process group first), waits for it to exit, SIGKILL after `graceMs`. */
export async function stopProcess(pid: number, graceMs: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!alive(pid)) return;
  try { process.kill(pid, signal); } catch { return; }
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    while (alive(pid)) await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Restarts the broker of `s` in place (same ports, same data): for tests of a broker that
 * goes away during a job. `pauseMs` is how long it stays down.
 */
export async function restart(s: BrokerState, pauseMs: number, timeoutMs = 90_000): Promise<BrokerState> {
  await stopProcess(s.pid, 20_000);
  await new Promise((r) => setTimeout(r, pauseMs));
  const port = s.bootstrap.split(':')[1];
  const props = join(STATE_DIR, `server-${port}.properties`);
  const cp = `${libsDir()}/*`;
  const out = openSync(s.logFile, 'a');
  const child = spawn('java', ['-Xmx512m', '-Xms128m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-cp', cp, 'kafka.Kafka', props], { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  const next: BrokerState = { ...s, pid: child.pid! };
  writeFileSync(STATE_FILE, JSON.stringify(next, null, 2) + '\n');
  await waitForBroker(next.bootstrap, timeoutMs);
  return next;
}
