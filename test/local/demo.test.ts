import { describe, expect, it } from 'vitest';
import { runSerin } from '../support/cli.js';

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
});
