#!/usr/bin/env node
// The `sluice` command. Registers tsx's ESM loader so that job modules may be TypeScript, then
// runs the CLI: in a clone of the repository its sources (src/cli/main.ts, through tsx, so no
// build step is needed), in the installed package the compiled dist/src/cli/main.js.
import { existsSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();
const sources = new URL('../src/cli/main.ts', import.meta.url);
const { main, exit } = await import(existsSync(sources) ? sources.href : '../dist/src/cli/main.js');
exit(await main(process.argv.slice(2)));
