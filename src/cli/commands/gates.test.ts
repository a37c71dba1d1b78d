import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, type InProcessResult } from '../../../test/support/in-process-cli.js';
import { gatesCommand } from '../definitions/gates.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'serin-gates-cli-'));
  await writeFile(join(dir, 'token'), 'cli-token-123\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Starts `serin gates` in this process; `stop()` delivers SIGTERM to it as a terminal would. */
function startGates(): Promise<{ url: string; stop: () => Promise<InProcessResult> }> {
  return new Promise((resolve, reject) => {
    let resolved = false;
    const done = runCommand(
      [gatesCommand],
      ['gates', '--port', '0', '--state-dir', join(dir, 'state'), '--token-file', join(dir, 'token')],
      (stdout) => {
        const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(stdout);
        if (m?.[1] !== undefined && !resolved) {
          resolved = true;
          resolve({
            url: m[1],
            stop: () => {
              process.emit('SIGTERM');
              return done;
            },
          });
        }
      },
    );
    done.then((r) => {
      if (!resolved) reject(new Error(`serin gates ended: ${r.stderr}`));
    }, reject);
  });
}

const post = (url: string, body: unknown, token?: string) =>
  fetch(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });

describe('serin gates', () => {
  it('serves token-protected gates that survive a restart', async () => {
    const first = await startGates();
    const gate = { name: 'podinfo', namespace: 'test' };
    expect((await post(`${first.url}/gate/open`, gate)).status).toBe(401);
    expect((await post(`${first.url}/gate/open`, gate, 'cli-token-123')).status).toBe(202);
    expect((await post(`${first.url}/gate/check`, gate)).status).toBe(200);
    expect((await first.stop()).code).toBe(0);
    const second = await startGates();
    expect((await post(`${second.url}/gate/check`, gate)).status).toBe(200);
    expect((await post(`${second.url}/gate/check`, { ...gate, name: 'other' })).status).toBe(403);
    expect((await second.stop()).code).toBe(0);
  });

  it('rejects bad flags with exit code 2', async () => {
    const port = await runCommand([gatesCommand], ['gates', '--port', 'eighty']);
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/--port: expected a port number/);
    const token = await runCommand(
      [gatesCommand],
      ['gates', '--port', '0', '--token-file', join(dir, 'nope')],
    );
    expect(token.code).toBe(2);
    expect(token.stderr).toMatch(/--token-file: cannot read .*nope \(ENOENT\)/);
  });
});
