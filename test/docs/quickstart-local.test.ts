/**
 * docs/quickstart-local.md, as a user follows it: the files it shows are the files in
 * examples/quickstart/local/, and its commands, run in order against a real `serin run` of them
 * (real processes, the real router, real traffic), answer as the page says: a v2 promoted by
 * `serin promote`, a faulty v3 rolled back by its metrics, `serin abort` refused on a finished run.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/cli/definitions/apply.js';
import { controlCommand } from '../../src/cli/definitions/control.js';
import { statusCommand } from '../../src/cli/definitions/status.js';
import { validateCommand } from '../../src/cli/definitions/validate.js';
import { ExitCode } from '../../src/cli/program.js';
import { startSession, type Session } from '../../src/local/session.js';
import { runCommand } from '../support/in-process-cli.js';
import { request } from 'undici';
import { startTraffic, until, type Traffic } from '../local/support.js';
import { includedBlocks, ROOT } from './includes.js';

const PAGE = 'docs/quickstart-local.md';
const FILES = join(ROOT, 'examples', 'quickstart', 'local');

describe('the local quick start page', () => {
  it('shows every file of examples/quickstart/local exactly', () => {
    const blocks = includedBlocks(PAGE);
    for (const { path, shown } of blocks) expect(shown, path).toBe(readFileSync(join(ROOT, path), 'utf8'));
    expect(blocks.map((b) => b.path).sort()).toEqual(
      readdirSync(FILES)
        .map((f) => `examples/quickstart/local/${f}`)
        .sort(),
    );
  });
});

/** The version that answered one request through the router (app.mjs says it in x-version). */
async function served(router: string): Promise<string> {
  const res = await request(router);
  await res.body.dump();
  return String(res.headers['x-version']);
}

describe('the local quick start, command by command', { timeout: 300_000 }, () => {
  // A copy, as a user's own directory: state, logs and the token go there, not into the checkout.
  const dir = mkdtempSync(join(tmpdir(), 'serin-quickstart-'));
  const stateDir = join(dir, '.serin');
  const serin = (...args: string[]) =>
    runCommand([validateCommand, applyCommand, statusCommand, controlCommand], args);
  const steer = (...args: string[]) => serin(...args, '--state-dir', stateDir);
  let session: Session;
  let traffic: Traffic;

  const phase = async (): Promise<string> => {
    const r = await steer('status', 'hello', '-o', 'json');
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { phase?: string }).phase ?? '';
  };

  beforeAll(async () => {
    cpSync(FILES, dir, { recursive: true });
    // `serin run -f serin.yaml`, on free ports.
    session = await startSession({
      files: [join(dir, 'serin.yaml')],
      stateDir,
      routerPort: 0,
      apiPort: 0,
      watch: false,
      buildDashboard: false,
    });
    traffic = startTraffic(session.info.router, { concurrency: 2 });
  }, 120_000);

  afterAll(async () => {
    await traffic.stop();
    await session.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('validates the manifest', async () => {
    const r = await serin('validate', '-f', join(dir, 'serin.yaml'));
    expect(r.code, r.stdout).toBe(0);
  });

  it('starts v1 and shows the canary Initialized', async () => {
    await until('initialization', async () => (await phase()) === 'Initialized', 120_000);
    const r = await steer('status', 'hello');
    expect(r.stdout).toContain('Initialized');
    expect(await served(session.info.router)).toBe('v1');
  });

  it('rolls out v2 and promotes it with serin promote; status --wait exits 0', async () => {
    const applied = await serin('apply', '-f', join(dir, 'hello-v2.yaml'), '--state-dir', stateDir);
    expect(applied.code, applied.stderr).toBe(0);
    await until('the v2 run', async () => (await phase()) === 'Progressing', 60_000);
    const promoted = await steer('promote', 'hello');
    expect(promoted.code, promoted.stderr).toBe(0);
    const wait = await steer('status', 'hello', '--wait', '--timeout', '3m');
    expect(wait.code, wait.stderr).toBe(ExitCode.ok);
    await until('v2 to serve', async () => (await served(session.info.router)) === 'v2');
  });

  it('rolls the faulty v3 back on its success rate; status --wait exits 1 with the reason', async () => {
    const applied = await serin('apply', '-f', join(dir, 'hello-v3.yaml'), '--state-dir', stateDir);
    expect(applied.code, applied.stderr).toBe(0);
    const wait = await steer('status', 'hello', '--wait', '--timeout', '4m');
    expect(wait.code, wait.stdout + wait.stderr).toBe(ExitCode.failure);
    expect(wait.stderr).toMatch(/rolled back: .*request-success-rate/);
    expect(await served(session.info.router)).toBe('v2');
  });

  it('refuses serin abort on the finished canary, with the reason (exit 1)', async () => {
    const r = await steer('abort', 'hello');
    expect(r.code).toBe(ExitCode.failure);
    expect(r.stderr).toMatch(/Failed/);
  });
});
