import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../../test/support/in-process-cli.js';
import { dashboardCommand } from '../definitions/dashboard.js';
import { readTokenFile } from './dashboard.js';

const dir = mkdtempSync(join(tmpdir(), 'serin-dashboard-cli-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** In-process: the same parser, action and exit codes without a process start-up per case. */
const serin = (...args: string[]) => runCommand([dashboardCommand], args);

describe('serin dashboard', () => {
  it('reads one token from the token file', () => {
    const file = join(dir, 'token');
    writeFileSync(file, '  s3cret-token\n');
    expect(readTokenFile(file)).toBe('s3cret-token');
  });

  it('rejects an empty, missing or multi-word token file as a usage error naming the flag', () => {
    const empty = join(dir, 'empty');
    writeFileSync(empty, '\n');
    expect(() => readTokenFile(empty)).toThrow('--token-file: ' + empty + ' is empty');
    expect(() => readTokenFile(join(dir, 'absent'))).toThrow(/--token-file: cannot read .*absent \(ENOENT\)/);
    const spaced = join(dir, 'spaced');
    writeFileSync(spaced, 'two words');
    expect(() => readTokenFile(spaced)).toThrow('must hold one token with no spaces');
  });

  it('exits 2 for bad flags', async () => {
    const port = await serin('dashboard', '--port', 'eighty');
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--port: expected a port number');
    const token = await serin('dashboard', '--token-file', join(dir, 'absent'));
    expect(token.code).toBe(2);
    expect(token.stderr).toContain('--token-file: cannot read');
  });

  it.skipIf(existsSync('src/kubernetes/dashboard-backend.ts'))(
    'fails with a clear message while no Kubernetes backend is built in',
    async () => {
      const result = await serin('dashboard', '--port', '0');
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('cannot serve the dashboard for a cluster yet');
    },
  );
});
