import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI_REFERENCE_FILE, cliReference } from '../../scripts/cli-reference.js';

describe('docs/cli.md', () => {
  it('is what the command definitions render (run `npm run docs:cli` after changing a command)', async () => {
    const committed = readFileSync(CLI_REFERENCE_FILE, 'utf8');
    const rendered = await cliReference();
    expect(committed === rendered, 'docs/cli.md is stale: run `npm run docs:cli`').toBe(true);
  });

  it('documents every command, the steering flags included', async () => {
    const rendered = await cliReference();
    for (const command of ['promote', 'status', 'set-weight', 'validate', 'migrate check', 'run'])
      expect(rendered).toContain(`## serin ${command}\n`);
    expect(rendered).toMatch(/--state-dir <dir>/);
  });
});
