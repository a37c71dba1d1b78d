/**
 * `serin demo --keep`: after the summary the router and the dashboard stay up (they used to stop
 * with the demo, seconds after their URLs were printed), until SIGINT stops everything cleanly.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { request } from 'undici';
import { expect, it } from 'vitest';
import { SERIN_BIN } from '../support/cli.js';

interface Line {
  type: string;
  [key: string]: unknown;
}

it('keeps the dashboard answering after the summary, and stops on SIGINT', async () => {
  const child = spawn(process.execPath, [SERIN_BIN, 'demo', '--fast', '--keep', '--json'], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const lines: Line[] = [];
  const waiters: { type: string; resolve: (line: Line) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (text) => {
    if (!text.startsWith('{')) return;
    const line = JSON.parse(text) as Line;
    lines.push(line);
    for (const w of waiters.filter((x) => x.type === line.type)) w.resolve(line);
  });
  const next = (type: string) =>
    new Promise<Line>((resolve) => {
      const seen = lines.find((l) => l.type === type);
      if (seen) resolve(seen);
      else waiters.push({ type, resolve });
    });
  try {
    const summary = await next('summary');
    expect(summary.ok).toBe(true);
    const kept = await next('kept');
    const dashboard = String(kept.dashboard).replace(/\/$/, '');
    // Well after the point where the demo used to take its dashboard down with it.
    const list = await request(`${dashboard}/api/canaries`);
    expect(list.statusCode).toBe(200);
    const body = (await list.body.json()) as { items: { name: string; phase: string }[] };
    expect(body.items.map((c) => c.name)).toEqual(['podinfo']);
    const page = await request(`${dashboard}/`);
    expect(page.statusCode).toBe(200);
    expect(await page.body.text()).toContain('<div id="app">');
    const router = await request(`${String(kept.router)}/`);
    expect(router.statusCode).toBe(200);
    await router.body.dump();

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(lines.at(-1)).toMatchObject({ type: 'stopped', signal: 'SIGINT' });
    await expect(request(`${dashboard}/api/canaries`)).rejects.toThrow();
    expect(stderr).toBe('');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}, 240_000);
