import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../test/support/in-process-cli.js';
import { COMMANDS } from './definitions/index.js';

const dir = mkdtempSync(join(tmpdir(), 'serin-completion-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function script(shell: string): Promise<string> {
  const result = await runCommand(COMMANDS, ['completion', shell]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

/**
 * Completes the command line `line` (the last word is the one being completed) with the generated
 * script in a real bash, as readline would: COMP_WORDS and COMP_CWORD set, then the function
 * `complete -p` names for the program.
 */
function completeInBash(file: string, program: string, line: string): string[] {
  const words = line.split(' ');
  const driver = [
    `source ${JSON.stringify(file)}`,
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
    `COMP_CWORD=${words.length - 1}`,
    `fn=$(complete -p ${program} | sed -E 's/.* -F ([^ ]+) .*/\\1/')`,
    '"$fn"',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const result = spawnSync('bash', ['--norc', '--noprofile', '-c', driver], { cwd: dir, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.split('\n').filter((w) => w !== '');
}

describe('serin completion', () => {
  it('bash: completes commands, subcommands, flags and flag values from the definitions', async () => {
    const file = join(dir, 'serin.bash');
    writeFileSync(file, await script('bash'));
    writeFileSync(join(dir, 'canary.yaml'), 'kind: Canary\n');
    expect(completeInBash(file, 'serin', 'serin val')).toEqual(['validate']);
    expect(completeInBash(file, 'serin', 'serin s')).toEqual(['set-weight', 'status']);
    expect(completeInBash(file, 'serin', 'serin generate ')).toEqual(['split']);
    expect(completeInBash(file, 'serin', 'serin migrate ')).toEqual(['check']);
    expect(completeInBash(file, 'serin', 'serin validate --st')).toEqual(['--strict']);
    expect(completeInBash(file, 'serin', 'serin route explain --sc')).toEqual(['--scheme']);
    expect(completeInBash(file, 'serin', 'serin install --scope ')).toEqual(['cluster', 'namespace']);
    expect(completeInBash(file, 'serin', 'serin completion ')).toEqual(['bash', 'zsh', 'fish']);
    // A flag that takes a value completes file names; flags and values before the word are skipped.
    expect(completeInBash(file, 'serin', 'serin validate --strict -f can')).toEqual(['canary.yaml']);
    expect(completeInBash(file, 'serin', 'serin generate -f canary.yaml split --subs')).toEqual(['--subset']);
    // kubectl runs the plugin as kubectl-serin: the same completion is registered for that name.
    expect(completeInBash(file, 'kubectl-serin', 'kubectl-serin pro')).toEqual(['promote']);
  });

  it('zsh: the same completion through bashcompinit; fish: one line per command and flag', async () => {
    const zsh = await script('zsh');
    expect(zsh.split('\n')[0]).toBe('#compdef serin kubectl-serin');
    expect(zsh).toContain('bashcompinit');
    expect(zsh).toContain(await script('bash'));
    const fish = await script('fish');
    expect(fish).toMatch(/^complete -c serin -n '__fish_use_subcommand' -a validate -d 'Validate /m);
    expect(fish).toContain(
      "-n '__fish_seen_subcommand_from generate; and not __fish_seen_subcommand_from split' -a split",
    );
    expect(fish).toMatch(/-l scope -x -a 'cluster namespace'/);
    expect(fish).toMatch(/^complete -c kubectl-serin /m);
  });

  it('refuses an unknown shell with a usage error', async () => {
    const result = await runCommand(COMMANDS, ['completion', 'tcsh']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('tcsh');
  });
});
