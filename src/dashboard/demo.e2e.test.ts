/**
 * The dashboard of a real `serin demo` (real processes, router, metrics and engine: the local
 * backend, no fake) in Chromium, at several moments: v2 progressing, v3 progressing as a second
 * run, and after v3's rollback. Screenshots of the overview and the detail page go to
 * test-results/dashboard/demo-*.png, to be looked at.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runDemo, type DemoResult } from '../local/demo/demo.js';
import type { CanarySummary } from './backend.js';
import { buildUi } from './static-files.js';
import { launchBrowser, type Browser } from './testing/browser.js';
import { DASHBOARD_UI_DIR } from './ui-dir.js';

const SHOTS = join(process.cwd(), 'test-results', 'dashboard');
const WAIT = { timeout: 90_000 };

let browser: Browser;
let page: Page;
let dashboard = '';
let demo: Promise<DemoResult>;

async function row(): Promise<CanarySummary | undefined> {
  if (dashboard === '') return undefined;
  const res = await fetch(`${dashboard}api/canaries`).catch(() => undefined);
  if (!res?.ok) return undefined;
  return ((await res.json()) as { items: CanarySummary[] }).items[0];
}

async function until(what: string, probe: (c: CanarySummary) => boolean): Promise<CanarySummary> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const c = await row();
    if (c && probe(c)) return c;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `demo-${name}.png`), fullPage: true });

async function detailAt(name: string): Promise<void> {
  await page.goto(`${dashboard}#/canary/default/podinfo`);
  await page.locator('#side-primary .version').waitFor(WAIT);
  await page.locator('.chart canvas').first().waitFor(WAIT);
  await shot(name);
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  await buildUi(DASHBOARD_UI_DIR);
  browser = await launchBrowser();
  page = await browser.context.newPage();
  let output = '';
  demo = runDemo({
    fast: true,
    routerPort: 0,
    apiPort: 0,
    json: true,
    color: false,
    buildDashboard: false,
    keep: true,
    write: (text) => {
      output += text;
      const started = /"dashboard":"([^"]+)"/.exec(output);
      if (started?.[1] !== undefined) dashboard = started[1];
    },
  });
}, 120_000);

afterAll(async () => {
  const result = await demo;
  await result.kept?.stop();
  await browser.close();
}, 60_000);

it('shows the demo at several moments: v2 progressing, v3 progressing, v3 rolled back', async () => {
  const v2 = await until(
    'v2 progressing with traffic on the canary',
    (c) => c.phase === 'Progressing' && c.canaryWeight > 0,
  );
  await page.goto(dashboard);
  await page.locator('#canaries tbody tr', { hasText: 'podinfo' }).waitFor(WAIT);
  expect(await page.locator('#canaries .plan-summary').textContent()).toMatch(/^step \d+\/\d+, /);
  await shot('overview-v2-progressing');
  // The fast demo moves on while the page loads: what is checked here holds in every phase of a run.
  await detailAt('detail-v2-progressing');
  expect(await page.locator('#side-primary .replicas').textContent()).toMatch(/^\d+\/\d+$/);
  expect(await page.locator('#plan li').last().textContent()).toBe('promote');

  await until(
    'v3 progressing',
    (c) => c.phase === 'Progressing' && c.revision !== v2.revision && c.canaryWeight > 0,
  );
  await detailAt('detail-v3-progressing');

  const result = await demo;
  expect(result.ok).toBe(true);
  await page.goto(dashboard);
  await page.locator('#canaries tbody tr', { hasText: 'Failed' }).waitFor(WAIT);
  await shot('overview-finished');
  await detailAt('detail-v3-rolled-back');
  // v3 was rolled back: the primary still runs the promoted v2, and the canary is scaled down.
  expect(await page.locator('#side-primary .version').textContent()).toMatch(/^v2 /);
  expect(await page.locator('#side-canary .version').textContent()).toBe('unknown');
  expect(await page.locator('.actions button:has-text("Promote")').isDisabled()).toBe(true);
  expect(await page.locator('#plan-eta').textContent()).toContain('the run is over (Failed)');
}, 240_000);
