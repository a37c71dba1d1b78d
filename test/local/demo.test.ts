import { describe, expect, it } from 'vitest';
import { demoCommand } from '../../src/cli/definitions/demo.js';
import { runSerin } from '../support/cli.js';
import { runCommand } from '../support/in-process-cli.js';

// The whole demo runs as a process, as a user starts it: its exit code and its flushed summary
// are what these cases check. Usage errors need no process of their own.

describe('serin demo --fast', () => {
  it('promotes the healthy v2, rolls back the faulty v3, and exits 0', async () => {
    const result = await runSerin(['demo', '--fast'], { timeoutMs: 170_000 });
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/router {5}http:\/\/127\.0\.0\.1:\d+\//);
    expect(result.stdout).toMatch(/status {5}http:\/\/127\.0\.0\.1:\d+\/api\/local\/status/);
    expect(result.stdout).toMatch(/^ {2}v2 \(.*\): promoted in [\d.]+s, as expected$/m);
    expect(result.stdout).toMatch(/^ {2}v3 \(.*\): rolled back in [\d.]+s, as expected$/m);
    expect(result.stdout).toMatch(/^ {6}\d\d:\d\d:\d\d {2}Rollback: .+$/m);
    expect(result.stdout).toMatch(/^ {2}now serving: v2$/m);
    expect(result.stdout).toMatch(/; 0 without a response$/m);
    expect(result.stdout).toContain('Result: OK');
    expect(result.code).toBe(0);
  }, 180_000);

  it('with both versions slowed alike by 600 ms still promotes v2 and rolls back v3', async () => {
    const result = await runSerin(['demo', '--fast', '--shared-delay', '600'], { timeoutMs: 170_000 });
    expect(result.stdout).toMatch(/^ {2}v2 \(.*\): promoted in [\d.]+s, as expected$/m);
    expect(result.stdout).toMatch(/^ {2}v3 \(.*\): rolled back in [\d.]+s, as expected$/m);
    expect(result.stdout).toContain('Result: OK');
    expect(result.code).toBe(0);
  }, 180_000);

  it('refuses a shared delay that is not whole milliseconds, with exit code 2', async () => {
    const result = await runCommand([demoCommand], ['demo', '--fast', '--shared-delay', 'slow']);
    expect(result.stderr).toContain('--shared-delay: expected whole milliseconds');
    expect(result.code).toBe(2);
  }, 60_000);
});
