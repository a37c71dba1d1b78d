/**
 * The dashboard in a real Chromium against a real server, over a rollout pushed step by step into
 * the memory backend. Screenshots go to test-results/dashboard/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenIdentity } from './auth.js';
import { createDashboardServer, type DashboardServer } from './server.js';
import { buildUi } from './static-files.js';
import { launchBrowser, type Browser } from './testing/browser.js';
import { lowContrastTexts } from './testing/contrast.js';
import { sampleCanary } from './testing/fixtures.js';
import { simulateRollout, type SimulatedRollout } from './testing/rollout.js';

const TOKEN = 'e2e-secret-token';
const SHOTS = join(process.cwd(), 'test-results', 'dashboard');
const WAIT = { timeout: 30_000 };

let uiDir: string;
let browser: Browser;
let rollout: SimulatedRollout;
let server: DashboardServer;
let readOnlyServer: DashboardServer;
const requests: string[] = [];
const problems: string[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  uiDir = mkdtempSync(join(tmpdir(), 'serin-dashboard-e2e-'));
  await buildUi(uiDir);
  rollout = simulateRollout();
  rollout.backend.record(sampleCanary('checkout', 'shop'), { phase: 'Succeeded', canaryWeight: 0 });
  server = await createDashboardServer({ backend: rollout.backend, uiDir, token: TOKEN });
  readOnlyServer = await createDashboardServer({ backend: rollout.backend, uiDir });
  browser = await launchBrowser();
  browser.context.on('request', (request) => {
    requests.push(request.url());
  });
  browser.context.on('weberror', (error) => {
    problems.push(`page error: ${error.error().message}`);
  });
}, 120_000);

afterAll(async () => {
  await browser.close();
  await server.close();
  await readOnlyServer.close();
  rmSync(uiDir, { recursive: true, force: true });
});

async function openPage(url: string): Promise<Page> {
  const page = await browser.context.newPage();
  page.on('console', (message) => {
    // A refused fetch is logged by Chromium as a console error; policy violations are not expected.
    if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
  });
  await page.goto(url);
  return page;
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

describe('dashboard in Chromium', () => {
  let page: Page;

  it('lists the canary in the overview with its phase and weights', async () => {
    rollout.step();
    page = await openPage(`${server.url}/`);
    const row = page.locator('#canaries tbody tr', { hasText: 'podinfo' });
    await row.waitFor(WAIT);
    expect(await row.textContent()).toContain('Progressing');
    expect(await row.textContent()).toContain('10% / 90%');
    await page.locator('.live.on').waitFor(WAIT);
    await shot(page, 'overview');
  });

  it('filters by phase and namespace, keeping the filter in the address', async () => {
    const names = () => page.locator('#canaries tbody tr td:nth-child(2) a').allTextContents();
    expect(await names()).toEqual(['checkout', 'podinfo']);
    await page.selectOption('#filter-phase', 'Succeeded');
    await page.locator('#canaries tbody tr', { hasText: 'podinfo' }).waitFor({ state: 'detached', ...WAIT });
    expect(await names()).toEqual(['checkout']);
    expect(page.url()).toContain('#/?phase=Succeeded');
    await page.selectOption('#filter-phase', '');
    await page.selectOption('#filter-namespace', 'test');
    await page.locator('#canaries tbody tr', { hasText: 'checkout' }).waitFor({ state: 'detached', ...WAIT });
    expect(await names()).toEqual(['podinfo']);
    expect(page.url()).toContain('#/?namespace=test');
    await page.reload();
    await page.locator('#canaries tbody tr', { hasText: 'podinfo' }).waitFor(WAIT);
    expect(await page.inputValue('#filter-namespace')).toBe('test');
    expect(await names()).toEqual(['podinfo']);
  });

  it('follows the rollout live: the weight advances on screen without a reload', async () => {
    await page.click('text=podinfo');
    await page.locator('#current-weight', { hasText: '10% / 90%' }).waitFor(WAIT);
    await page.evaluate(() => {
      (window as unknown as { marker: string }).marker = 'same page';
    });
    for (const weight of [20, 30, 40]) {
      rollout.step();
      await page.locator('#current-weight', { hasText: `${weight}% / ${100 - weight}%` }).waitFor(WAIT);
    }
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('same page');
    expect(await page.locator('#live-summary').textContent()).toBe('Progressing, canary weight 40%');
    await page.locator('#checks', { hasText: 'request-success-rate' }).waitFor(WAIT);
    expect(await page.locator('#judge-effect-latency').textContent()).toBe(
      'Effect (canary − primary): +32 ms, interval [+12 ms, +45 ms]',
    );
    expect(await page.locator('#judge').textContent()).toContain(
      'Evidence against the canary: 1.2 of 40 to fail',
    );
    expect(await page.locator('#webhooks').textContent()).toContain('HTTP 200');
    expect(await page.locator('.chart canvas').count()).toBe(3);
    // What is running and where the run is: both sides' versions and logs, the plan and its estimate.
    expect(await page.locator('#side-primary .version').textContent()).toBe(
      'ghcr.io/stefanprodan/podinfo:6.0.0',
    );
    expect(await page.locator('#side-canary .version').textContent()).toBe(
      'ghcr.io/stefanprodan/podinfo:6.0.1',
    );
    expect(await page.locator('#side-canary .replicas').textContent()).toBe('2/2');
    expect(await page.locator('#side-canary .log-tail').textContent()).toContain('served 1600 requests');
    expect(await page.locator('#plan li[aria-current=step]').textContent()).toBe('40%');
    expect(await page.locator('#plan-eta').textContent()).toContain('Promotion expected at');
    expect(await page.locator('#judge-verdict').textContent()).toBe('continue');
    expect(await page.locator('.chart figcaption').allTextContents()).toEqual([
      'Canary traffic weight (%)',
      'Success rate (%)',
      'Latency p99 (ms)',
    ]);
    await page.click('summary:has-text("VirtualService podinfo")');
    expect(await page.locator('details pre').textContent()).toContain('weight: 40');
    await shot(page, 'detail-progressing');
  });

  it('draws every text with enough contrast (WCAG AA)', async () => {
    expect(await page.evaluate(lowContrastTexts)).toEqual([]);
    // The check itself tells faint text from large text that needs less.
    const probe = await browser.context.newPage();
    await probe.setContent('<p style="color:#aaa">faint</p><p>fine</p><h1 style="color:#888">large</h1>');
    expect(await probe.evaluate(lowContrastTexts)).toEqual([{ text: 'faint', ratio: 2.32, needed: 4.5 }]);
    await probe.close();
  });

  it('refuses an action without the right token, visibly, and applies nothing', async () => {
    await page.click('.actions button:has-text("Abort")');
    await page.locator('dialog[open] button.danger').click();
    await page.locator('#token-input').fill('not-the-token');
    await page.keyboard.press('Enter');
    await page
      .locator('#action-outcome', { hasText: 'Abort refused: the token was not accepted' })
      .waitFor(WAIT);
    await page.locator('dialog[open] [role=alert]', { hasText: 'the token was not accepted' }).waitFor(WAIT);
    await shot(page, 'action-refused');
    expect(rollout.received).toEqual([]);
    expect(rollout.status().phase).toBe('Progressing');
    await page.keyboard.press('Escape');
    await page.locator('dialog[open]').waitFor({ state: 'detached', ...WAIT });
  });

  it('sets the canary weight after confirmation', async () => {
    await page.locator('#weight-input').fill('25');
    await page.click('.set-weight button[type=submit]');
    await page.locator('dialog[open] button:has-text("Set weight to 25%")').click();
    await page.locator('#token-input').fill(TOKEN);
    await page.keyboard.press('Enter');
    await page.locator('#action-outcome', { hasText: 'canary weight set to 25%' }).waitFor(WAIT);
    await page.locator('#current-weight', { hasText: '25% / 75%' }).waitFor(WAIT);
    expect(rollout.received.at(-1)).toMatchObject({ action: { type: 'set-weight', weight: 25 } });
  });

  it('aborts with the kept token: the action is sent, recorded with who did it, and the page shows the rollback', async () => {
    await page.click('.actions button:has-text("Abort")');
    await page.locator('dialog[open] button.danger').click();
    // The token given for the weight is kept for the tab.
    await page.locator('#action-outcome', { hasText: 'Abort: rolled back' }).waitFor(WAIT);
    await page.locator('#current-weight', { hasText: '0% / 100%' }).waitFor(WAIT);
    await page.locator('.summary .phase', { hasText: 'Failed' }).waitFor(WAIT);
    const by = tokenIdentity(TOKEN);
    expect(rollout.received.map((c) => ('action' in c ? c.action.type : c.type))).toEqual([
      'set-weight',
      'abort',
    ]);
    expect(rollout.received.at(-1)).toMatchObject({ action: { type: 'abort' }, by });
    await page.locator('#event-log', { hasText: `by ${by}` }).waitFor(WAIT);
    await shot(page, 'aborted');
  });

  it('disables Promote, Abort and Set weight on the finished canary, saying why', async () => {
    const promote = page.locator('.actions button:has-text("Promote")');
    await page.locator('#finished-note').waitFor(WAIT);
    expect(await promote.isDisabled()).toBe(true);
    expect(await promote.getAttribute('title')).toBe(
      'only a running analysis can be promoted, phase is Failed',
    );
    expect(await page.locator('.actions button:has-text("Abort")').getAttribute('title')).toBe(
      'nothing to abort in phase Failed',
    );
    expect(await page.locator('.set-weight button[type=submit]').isDisabled()).toBe(true);
    expect(await page.locator('.actions button:has-text("Retry")').isDisabled()).toBe(false);
    expect(await page.locator('#plan-eta').textContent()).toContain('the run is over (Failed)');
  });

  it('opens a gate after confirmation, with the token kept for the tab', async () => {
    await page.click('#webhooks button:has-text("Open approve-promotion")');
    await page.locator('dialog[open] button:has-text("Open gate approve-promotion")').click();
    await page.locator('#action-outcome', { hasText: 'gate approve-promotion opened' }).waitFor(WAIT);
    await page.locator('#webhooks button:has-text("Close approve-promotion")').waitFor(WAIT);
    expect(await page.locator('#webhooks .gate-state').textContent()).toBe('Open');
    expect(rollout.received.at(-1)).toMatchObject({ type: 'gate', gate: 'approve-promotion', open: true });
    await page.click('#webhooks button:has-text("Close approve-promotion")');
    await page.locator('#webhooks button:has-text("Open approve-promotion")').waitFor(WAIT);
    expect(await page.locator('#webhooks .gate-state').textContent()).toBe('Closed');
  });

  it('can be used from the keyboard alone', async () => {
    const kb = await openPage(`${server.url}/`);
    await kb.locator('#canaries a', { hasText: 'podinfo' }).waitFor(WAIT);
    let reached = false;
    for (let i = 0; i < 20 && !reached; i++) {
      await kb.keyboard.press('Tab');
      reached = await kb.evaluate(() => document.activeElement?.textContent === 'podinfo');
    }
    expect(reached).toBe(true);
    await kb.keyboard.press('Enter');
    await kb.locator('#canary-title', { hasText: 'test/podinfo' }).waitFor(WAIT);
    reached = false;
    for (let i = 0; i < 20 && !reached; i++) {
      await kb.keyboard.press('Tab');
      reached = await kb.evaluate(() => document.activeElement?.textContent === 'Pause');
    }
    expect(reached).toBe(true);
    await kb.keyboard.press('Enter');
    // The token is kept for the tab's session only: a new tab asks again.
    await kb.locator('#token-input').waitFor(WAIT);
    expect(await kb.evaluate(() => document.activeElement?.id)).toBe('token-input');
    await kb.keyboard.press('Escape');
    await kb.locator('dialog[open]').waitFor({ state: 'detached', ...WAIT });
    const unlabeled = await kb.evaluate(() =>
      [...document.querySelectorAll('input, select')]
        .filter((el) => (el as HTMLInputElement).labels?.length === 0 && !el.getAttribute('aria-label'))
        .map((el) => el.outerHTML),
    );
    expect(unlabeled).toEqual([]);
    await kb.close();
  });

  it('shows a read-only dashboard with its actions disabled', async () => {
    const ro = await openPage(`${readOnlyServer.url}/#/canary/test/podinfo`);
    await ro.locator('#read-only-note').waitFor(WAIT);
    expect(await ro.locator('.actions button:has-text("Abort")').isDisabled()).toBe(true);
    await shot(ro, 'read-only');
    await ro.close();
  });

  it('made no request outside 127.0.0.1 and broke no content policy', () => {
    const foreign = requests.filter(
      (url) => !url.startsWith('http://127.0.0.1:') && !url.startsWith('data:'),
    );
    expect(requests.length).toBeGreaterThan(5);
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  });
});
