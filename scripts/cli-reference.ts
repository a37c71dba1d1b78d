/** docs/cli.md as the command definitions render it, formatted as `prettier --check` expects. */
import { resolve } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { COMMANDS } from '../src/cli/definitions/index.js';
import { renderCliReference } from '../src/cli/reference.js';

export const CLI_REFERENCE_FILE = resolve(import.meta.dirname, '..', 'docs', 'cli.md');

export async function cliReference(): Promise<string> {
  const options = (await resolveConfig(CLI_REFERENCE_FILE)) ?? {};
  return format(renderCliReference(COMMANDS), { ...options, filepath: CLI_REFERENCE_FILE });
}
