/** Rewrites docs/cli.md from the command definitions (src/cli/reference.ts). */
import { writeFileSync } from 'node:fs';
import { CLI_REFERENCE_FILE, cliReference } from './cli-reference.js';

writeFileSync(CLI_REFERENCE_FILE, await cliReference());
process.stdout.write(`wrote ${CLI_REFERENCE_FILE}\n`);
