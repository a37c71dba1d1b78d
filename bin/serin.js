#!/usr/bin/env node
// Runs the compiled CLI in dist/, which `npm ci` builds (the prepare script) and the package ships.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  process.stderr.write(`serin: ${fileURLToPath(main)} is missing: run \`npm run build\` in ${root}\n`);
  process.exit(1);
}
await import(main.href);
