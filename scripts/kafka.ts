/**
 * `npm run kafka:up` / `kafka:down` / `kafka:resolve` / `kafka:address`: the project's own
 * Kafka broker (see kafka/broker.ts). `up` prints the bootstrap address on stdout (and keeps it
 * in .tmp/kafka/broker.json); `down` stops the broker and removes its data.
 */
import { down, resolveJars, restart, runningBroker, up } from '../kafka/broker.js';

const cmd = process.argv[2];
try {
  switch (cmd) {
    case 'up': {
      const t0 = Date.now();
      const s = await up();
      process.stderr.write(`kafka: broker ready at ${s.bootstrap} (pid ${s.pid}, ${((Date.now() - t0) / 1000).toFixed(1)} s; log ${s.logFile})\n`);
      process.stdout.write(`${s.bootstrap}\n`);
      break;
    }
    case 'down': {
      const s = await down();
      process.stderr.write(s ? `kafka: stopped the broker at ${s.bootstrap} (pid ${s.pid})\n` : 'kafka: no broker was running\n');
      break;
    }
    case 'restart': {
      // Stops the running broker, waits the given ms, starts it again on the same ports and data (fault tests).
      const s = runningBroker();
      if (!s) throw new Error('no broker is running (npm run kafka:up)');
      const next = await restart(s, Number(process.argv[3] ?? 0));
      process.stderr.write(`kafka: restarted the broker at ${next.bootstrap} (pid ${next.pid})\n`);
      break;
    }
    case 'resolve':
      process.stdout.write(`${resolveJars()}\n`);
      break;
    case 'address': {
      const s = runningBroker();
      if (!s) throw new Error('no broker is running (npm run kafka:up)');
      process.stdout.write(`${s.bootstrap}\n`);
      break;
    }
    default:
      throw new Error(`usage: tsx scripts/kafka.ts up|down|restart [pause ms]|resolve|address (got ${cmd ?? 'nothing'})`);
  }
} catch (e) {
  process.stderr.write(`kafka: ${(e as Error).message}\n`);
  process.exit(1);
}
