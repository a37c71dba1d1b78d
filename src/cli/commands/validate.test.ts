import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSerin } from '../../../test/support/cli.js';
import { aliasBomb } from '../../../test/support/hostile-yaml.js';
import { runCommand } from '../../../test/support/in-process-cli.js';
import { validateCommand } from '../definitions/validate.js';

const seeds = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'seeds');

const bad = `apiVersion: serin.dev/v1beta1
kind: Canary
metadata: {name: web}
spec:
  targetRef: {name: web}
  service: {port: 80}
  analysis: {stepWeight: 150}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
`;

/** In-process: the same parser, action and exit codes without a process start-up per case. */
const validateCli = (args: readonly string[]) => runCommand([validateCommand], args);

describe('serin validate', () => {
  it('exits 0 for the seeds and prints their pruned fields as warnings', async () => {
    const r = await validateCli(['validate', '-f', seeds]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('canary-003-0.yaml:15:7: spec.service.primary.host: warning: unknown field');
    expect(r.stdout).toContain('canary-003-0.yaml:17:7: spec.service.canary.host: warning: unknown field');
    expect(r.stderr).toContain('2 document(s) checked, 0 error(s), 2 warning(s)');
  });

  it('exits 1 with file:line:column: path: message lines for an invalid document read from stdin', async () => {
    // Spawned: reading stdin (`-f -`) is the process boundary under test here.
    const r = await runSerin(['validate', '-f', '-'], { stdin: bad });
    expect(r.code).toBe(1);
    expect(r.stdout.trim()).toBe(
      '-:7:14: spec.analysis.stepWeight: expected a number between 1 and 100, got 150',
    );
  });

  it('prints machine-readable findings with -o json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'serin-validate-json-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, bad);
    const r = await validateCli(['validate', '-f', file, '-o', 'json']);
    rmSync(dir, { recursive: true, force: true });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as {
      valid: boolean;
      documentsChecked: number;
      findings: { path: string }[];
    };
    expect(out.valid).toBe(false);
    expect(out.documentsChecked).toBe(1);
    expect(out.findings.map((f) => f.path)).toEqual(['spec.analysis.stepWeight']);
  });

  it('makes unknown fields errors with --strict', async () => {
    const r = await validateCli(['validate', '--strict', '-f', seeds]);
    expect(r.code).toBe(1);
  });

  it('exits 2 for usage errors', async () => {
    expect((await validateCli(['validate', '-f', '/nonexistent/file.yaml'])).code).toBe(2);
    expect((await validateCli(['validate', '-f', seeds, '-o', 'xml'])).code).toBe(2);
    expect((await validateCli(['validate', '--bogus'])).code).toBe(2);
  });
});

describe('serin validate on nothing to check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'serin-validate-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const validate = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return runCommand([validateCommand], ['validate', '-f', file]);
  };

  it('exits 1 for an empty file, garbage, non-YAML and a misspelt apiVersion, saying why', async () => {
    const empty = await validate('empty.yaml', '');
    expect(empty.code).toBe(1);
    expect(empty.stdout).toContain('no Serin or Flagger document found');
    const garbage = await validate('garbage.yaml', 'just some words\n');
    expect(garbage.code).toBe(1);
    expect(garbage.stdout).toContain('expected an object with apiVersion and kind, got string');
    const notYaml = await validate('broken.yaml', 'a: [1, 2\nb: {');
    expect(notYaml.code).toBe(1);
    // Where yaml's own prettyErrors puts it: the unclosed sequence ends at line 2, column 1.
    expect(notYaml.stdout).toMatch(/broken\.yaml:2:1: invalid YAML/);
    const misspelt = await validate(
      'misspelt.yaml',
      'apiVersion: flager.app/v1beta1\nkind: Canary\nmetadata: {name: a}\n',
    );
    expect(misspelt.code).toBe(1);
    expect(misspelt.stdout).toContain(
      'apiVersion: expected serin.dev/v1beta1 or flagger.app/v1beta1 for kind Canary, got "flager.app/v1beta1"',
    );
    const onlyOthers = await validate(
      'deployment.yaml',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n',
    );
    expect(onlyOthers.code).toBe(1);
  });

  it('points at the offending field of each document of a multi-document file', async () => {
    const text = [
      'apiVersion: serin.dev/v1beta1',
      'kind: Canary',
      'metadata: {name: one}',
      'spec:',
      '  targetRef: {name: one}',
      '  service: {port: 80}',
      '  analysis:',
      '    stepWeight: 10',
      '    metrics:',
      '      - name: request-success-rate',
      '        thresholdRange: {min: 99}',
      '        intervall: 1m',
      '---',
      'apiVersion: flagger.app/v1beta1',
      'kind: Canary',
      'metadata:',
      '  name: two',
      'spec:',
      '  targetRef: {apiVersion: apps/v1, kind: Deployment, name: two}',
      '  service:',
      '    port: "eighty"',
      '  analysis: {stepWeight: 10}',
      '',
    ].join('\n');
    const r = await validate('two.yaml', text);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n').filter((l) => l.includes('two.yaml:'));
    expect(lines.map((l) => l.slice(l.indexOf('two.yaml:')))).toEqual([
      'two.yaml:12:9: spec.analysis.metrics[0].intervall: warning: unknown field, ignored (check its spelling and indentation)',
      'two.yaml:21:5: spec.service.port: expected a port number between 1 and 65535, got "eighty"',
    ]);
  });

  it('reports an alias bomb with its file and line and exits 1', async () => {
    const r = await validate('bomb.yaml', `kind: Canary\n---\n${aliasBomb(6)}`);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/bomb\.yaml:4:1: invalid YAML: aliases expand to more than 100 nodes/);
  });
  it('checks Canaries without spec.provider against --provider, as the controller would run them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'serin-validate-provider-'));
    try {
      const file = join(dir, 'mirror.yaml');
      writeFileSync(
        file,
        `apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: web}
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  service: {port: 80}
  analysis: {interval: 1m, threshold: 5, iterations: 10, mirror: true}
`,
      );
      const asIstio = await validateCli(['validate', '-f', file]);
      expect(asIstio.code).toBe(0);
      const asNginx = await validateCli(['validate', '-f', file, '--provider', 'nginx']);
      expect(asNginx.code).toBe(1);
      expect(asNginx.stdout).toMatch(/spec\.analysis\.mirror: .*nginx/);
      const unknown = await validateCli(['validate', '-f', file, '--provider', 'envoy']);
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toContain('--provider');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
