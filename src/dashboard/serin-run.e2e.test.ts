/**
 * The dashboard of a real `serin run` (the CLI as a child process: real workload processes, router,
 * metrics and engine) in a real Chromium: the rollout is followed live, and Abort rolls it back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canaryDoc,
  demoWorkload,
  startTraffic,
  successRate,
  until,
  versionOf,
  yamlDocs,
  type Traffic,
} from '../../test/local/support.js';
import type { CanaryDetail } from './backend.js';
import { osUser } from '../local/token.js';
import { buildUi } from './static-files.js';
import { launchBrowser, type Browser } from './testing/browser.js';

const SHOTS = join(process.cwd(), 'test-results', 'dashboard');
const WAIT = { timeout: 60_000 };
const NAME = 'podinfo';
// Slow steps and a lenient budget, so the rollout is still progressing when the test aborts it.
const ANALYSIS = {
  interval: '2s',
  threshold: 10,
  stepWeight: 5,
  maxWeight: 50,
  metrics: [successRate(90, '4s')],
};

interface Started {
  router: string;
  dashboard: string;
  tokenFile: string;
}

let dir: string;
let manifest: string;
let child: ChildProcess | undefined;
let started: Started;
let browser: Browser | undefined;
const requests: string[] = [];
let traffic: Traffic | undefined;
let page: Page;
const stderr: string[] = [];

function writeManifest(version: string): void {
  writeFileSync(manifest, yamlDocs(demoWorkload(NAME, version), canaryDoc(NAME, ANALYSIS)));
}

async function detail(): Promise<CanaryDetail | undefined> {
  const res = await fetch(`${started.dashboard}api/canaries/default/${NAME}`);
  return res.ok ? ((await res.json()) as CanaryDetail) : undefined;
}

function startRun(): Promise<Started> {
  const proc = spawn(
    process.execPath,
    [
      'bin/serin.js',
      'run',
      '-f',
      manifest,
      '--port',
      '0',
      '--api-port',
      '0',
      '--json',
      '--state-dir',
      join(dir, '.serin'),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child = proc;
  proc.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout });
    lines.on('line', (line) => {
      if (!line.includes('"started"')) return;
      resolve(JSON.parse(line) as Started);
    });
    proc.once('exit', (code) => {
      reject(new Error(`serin run exited with ${String(code)}: ${stderr.join('')}`));
    });
  });
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // The session serves the package's own build of the UI: make it current.
  await buildUi();
  dir = mkdtempSync(join(tmpdir(), 'serin-dashboard-run-'));
  manifest = join(dir, 'serin.yaml');
  writeManifest('v1');
  started = await startRun();
  await until('the first revision to be initialized', async () => {
    const phase = (await detail())?.phase;
    return phase === 'Initialized' || phase === 'Succeeded' ? true : undefined;
  });
  browser = await launchBrowser();
  browser.context.on('request', (request) => {
    requests.push(request.url());
  });
}, 180_000);

afterAll(async () => {
  await traffic?.stop();
  await browser?.close();
  const proc = child;
  if (proc?.exitCode === null) {
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('dashboard of a real serin run session', () => {
  it('renders the live rollout: the weight advances on screen', async () => {
    page = await browser!.context.newPage();
    await page.goto(`${started.dashboard}#/canary/default/${NAME}`);
    await page.locator('#canary-title', { hasText: `default/${NAME}` }).waitFor(WAIT);
    traffic = startTraffic(`${started.router}/`);
    writeManifest('v2');
    await page.locator('.summary .phase', { hasText: 'Progressing' }).waitFor(WAIT);
    // Live updates may coalesce on a loaded machine: wait for some weight, then for a higher one.
    const shownWeight = async (above: number): Promise<number> => {
      const handle = await page.waitForFunction(
        (min) => {
          const text = document.querySelector('#current-weight .weight-text')?.textContent ?? '';
          const weight = Number(/^(\d+)%/.exec(text)?.[1] ?? -1);
          return weight > min ? weight : undefined;
        },
        above,
        WAIT,
      );
      return (await handle.jsonValue()) as number;
    };
    const first = await shownWeight(0);
    const later = await shownWeight(first);
    expect(later).toBeGreaterThan(first);
    await page.locator('#checks', { hasText: 'request-success-rate' }).waitFor(WAIT);
    await page.screenshot({ path: join(SHOTS, 'serin-run-progressing.png'), fullPage: true });
  });

  it('rolls the canary back when Abort is clicked with the token', async () => {
    const token = readFileSync(started.tokenFile, 'utf8').trim();
    await page.click('.actions button:has-text("Abort")');
    await page.locator('dialog[open] button.danger').click();
    await page.locator('#token-input').fill(token);
    await page.keyboard.press('Enter');
    await page.locator('#action-outcome', { hasText: 'Abort:' }).waitFor(WAIT);
    await page.locator('.summary .phase', { hasText: 'Failed' }).waitFor(WAIT);
    await page.locator('#current-weight', { hasText: '0% / 100%' }).waitFor(WAIT);
    // Recorded as the token's owner: the OS user who started the run and so created the token.
    await page.locator('#event-log', { hasText: `by ${osUser()}` }).waitFor(WAIT);
    await page.screenshot({ path: join(SHOTS, 'serin-run-aborted.png'), fullPage: true });
    const after = await detail();
    expect(after?.phase).toBe('Failed');
    expect(after?.canaryWeight).toBe(0);
    // The router sends everything to the primary again.
    for (let i = 0; i < 10; i++) expect((await versionOf(`${started.router}/`)).version).toBe('v1');
  });

  it('made no request outside 127.0.0.1', () => {
    expect(requests.length).toBeGreaterThan(5);
    expect(requests.filter((url) => !url.startsWith('http://127.0.0.1:'))).toEqual([]);
  });
});
