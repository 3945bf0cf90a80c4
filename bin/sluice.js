#!/usr/bin/env node
// The `sluice` command: registers tsx's ESM loader so that the CLI and the job modules it
// loads can be TypeScript, then runs src/cli/main.ts.
import { register } from 'tsx/esm/api';

register();
const { main, exit } = await import('../src/cli/main.ts');
exit(await main(process.argv.slice(2)));
