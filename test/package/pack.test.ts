/**
 * The package as a user gets it: `npm pack`, then `npm install -g` of the tarball into a temporary
 * prefix (dependencies from the npm cache, the registry only for what the cache lacks), then the
 * installed `serin` and `kubectl serin` run from that prefix's bin/ on PATH, away from the checkout.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'serin-pack-'));
const prefix = join(work, 'prefix');
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

/** The environment of a user's shell: no npm script variables from a surrounding `npm test`. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!/^npm_(package|lifecycle|config_(prefix|global))/i.test(key)) env[key] = value;
  return { ...env, PATH: `${join(prefix, 'bin')}${delimiter}${process.env.PATH ?? ''}`, NO_COLOR: '1' };
}

interface PackResult {
  filename: string;
  files: { path: string }[];
}

let packed: PackResult;

beforeAll(async () => {
  // dist/ is fresh (the global setup builds it); prepare would rebuild it for nothing.
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
    cwd: ROOT,
    env: userEnv(),
    maxBuffer: 64 * 1024 * 1024,
  });
  [packed] = JSON.parse(stdout) as [PackResult];
  await run(
    'npm',
    [
      'install',
      '-g',
      '--prefix',
      prefix,
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      join(work, packed.filename),
    ],
    { cwd: work, env: userEnv(), timeout: 600_000 },
  );
}, 900_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** Runs an installed command from the temporary directory, so nothing resolves into the checkout. */
async function installed(command: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(command, args, { cwd: work, env: userEnv(), timeout: 120_000 });
}

describe('npm pack and npm install -g of the tarball', () => {
  it('ships the compiled CLI, the manifests and examples, and no sources or tests', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).toContain('bin/serin.js');
    expect(paths).toContain('dist/cli/main.js');
    expect(paths).toContain('dist/local/dataplane/main.js');
    expect(paths).toContain('deploy/kustomization.yaml');
    expect(paths.filter((p) => p.startsWith('src/') || p.startsWith('test/'))).toEqual([]);
    expect(paths.filter((p) => /\.test\.|\.tsbuildinfo$|\.build-stamp$/.test(p))).toEqual([]);
  });

  it('installs serin: --help and validate work from the prefix', async () => {
    const help = await installed('serin', ['--help']);
    expect(help.stdout).toMatch(/^Usage: serin /);
    expect(help.stdout).toContain('validate');
    const canary = join(prefix, 'lib', 'node_modules', 'serin', 'examples', 'seeds', 'flagger-podinfo');
    const validate = await installed('serin', ['validate', '-f', canary]);
    expect(validate.stderr).toMatch(/document\(s\) checked, 0 error\(s\)/);
  });

  it('installs kubectl-serin, which kubectl finds on PATH as the plugin "serin"', async () => {
    const { stdout } = await installed('kubectl', ['serin', 'version', '-o', 'json']);
    expect(JSON.parse(stdout)).toMatchObject({
      serinVersion: version,
      controllerImage: `serin-controller:${version}`,
    });
    const plugins = await installed('kubectl', ['plugin', 'list']);
    expect(plugins.stdout).toContain(join(prefix, 'bin', 'kubectl-serin'));
  });

  it('needs no tsx at run time, and renders the install manifests from the installed deploy/', async () => {
    // A global install nests the package's dependencies under it; tsx is a development dependency.
    const modules = join(prefix, 'lib', 'node_modules', 'serin', 'node_modules');
    expect(existsSync(join(modules, 'yaml'))).toBe(true);
    expect(existsSync(join(modules, 'tsx'))).toBe(false);
    const generated = await installed('serin', ['install', '--render']);
    expect(generated.stdout).toContain(`image: serin-controller:${version}`);
  });
});
