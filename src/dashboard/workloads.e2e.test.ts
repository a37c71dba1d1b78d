/**
 * The detail page's workload section in a real Chromium: a crash-looping canary shows its reason,
 * exit and last log lines, and checks left from an earlier run are not shown as current.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryBackend } from './memory-backend.js';
import { createDashboardServer, type DashboardServer } from './server.js';
import { buildUi } from './static-files.js';
import { launchBrowser, type Browser } from './testing/browser.js';
import { sampleCanary } from './testing/fixtures.js';

const RUN = '2026-01-01T00:10:00.000Z';
const WAIT = { timeout: 30_000 };

let uiDir: string;
let browser: Browser;
let server: DashboardServer;

beforeAll(async () => {
  uiDir = mkdtempSync(join(tmpdir(), 'serin-dashboard-workloads-'));
  await buildUi(uiDir);
  const backend = createMemoryBackend();
  backend.record(sampleCanary('web', 'shop'), {
    phase: 'Progressing',
    canaryWeight: 0,
    runStartedAt: RUN,
    checks: [
      { name: 'stale-success-rate', kind: 'metric', verdict: 'pass', time: '2026-01-01T00:05:00.000Z' },
    ],
    workloads: {
      primary: { ready: 2, desired: 2, restarts: 0 },
      canary: {
        ready: 0,
        desired: 1,
        restarts: 3,
        reason: 'CrashLoopBackOff',
        lastExit: { code: 3, time: RUN },
        logTail: ['stderr: fatal: DATABASE_URL is not set'],
        run: RUN,
      },
    },
  });
  server = await createDashboardServer({ backend, uiDir });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser.close();
  await server.close();
  rmSync(uiDir, { recursive: true, force: true });
});

describe('dashboard workload section', { timeout: 60_000 }, () => {
  it('shows why the canary cannot serve, and no checks from an earlier run', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/#/canary/shop/web`);
    const section = page.locator('#workloads');
    await section.waitFor(WAIT);
    await expect.poll(() => section.getByRole('alert').textContent(), WAIT).toContain('CrashLoopBackOff');
    const text = (await section.textContent()) ?? '';
    expect(text).toContain('0/1');
    expect(text).toContain('exit code 3');
    expect(text).toContain('fatal: DATABASE_URL is not set');
    expect(await page.locator('#checks').count()).toBe(0);
    expect(await page.getByText('stale-success-rate').count()).toBe(0);
    await page.close();
  });
});
