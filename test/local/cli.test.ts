import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/cli/definitions/apply.js';
import { runCommand as runModule } from '../../src/cli/definitions/run.js';
import { runCommand } from '../support/in-process-cli.js';
import { canaryDoc, demoWorkload, yamlDocs } from './support.js';

const runSerin = (args: string[]) => runCommand([applyCommand, runModule], args);

const dir = mkdtempSync(join(tmpdir(), 'serin-cli-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('serin run and serin apply on bad input', () => {
  it('refuses an invalid manifest as a whole, naming every problem, and starts nothing', async () => {
    const file = join(dir, 'bad.yaml');
    const workload = demoWorkload('web', 'v1') as { spec: Record<string, unknown> };
    workload.spec.replicas = 0;
    const canary = canaryDoc('other', { stepWeight: 10 });
    writeFileSync(file, yamlDocs(workload, canary));
    const result = await runSerin(['run', '-f', file, '--port', '0', '--state-dir', join(dir, '.serin')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}:1: spec.replicas: expected 1 or more replicas, got 0`);
    expect(result.stderr).toContain(
      'Canary default/other: spec.targetRef: expected a Workload named "other" in namespace default, found none',
    );
  });

  it('rejects bad flags with a usage error', async () => {
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, yamlDocs(demoWorkload('web', 'v1'), canaryDoc('web', { stepWeight: 10 })));
    const port = await runSerin(['run', '-f', file, '--port', '99999']);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--port: expected a port number between 0 and 65535');
    const prom = await runSerin(['run', '-f', file, '--prometheus', 'not a url']);
    expect(prom.code).toBe(2);
    expect(prom.stderr).toContain('--prometheus: expected an http(s) URL');
    const missing = await runSerin(['run', '-f', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    const none = await runSerin(['run', '--port', '0', '--state-dir', join(dir, '.serin-none')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('-f, --filename: expected a manifest');
  });

  it('serin apply says when no instance is running', async () => {
    const file = join(dir, 'ok.yaml');
    const result = await runSerin(['apply', '-f', file, '--state-dir', join(dir, 'nothing-here')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no running `serin run` found');
  });
});
