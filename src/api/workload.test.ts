import { describe, expect, it } from 'vitest';
import { parseSource } from './documents.js';
import type { Workload } from './workload.js';

const doc = (spec: string) => `apiVersion: serin.dev/v1beta1
kind: Workload
metadata:
  name: web
  labels: {version: v1}
spec:
${spec}`;

describe('Workload documents', () => {
  it('accepts a workload and fills in the defaults', () => {
    const [parsed] = parseSource(
      doc(`  command: node
  args: [server.js]
  env: {VERSION: v1}
  readinessProbe: {httpGet: {path: /healthz}}`),
    ).documents;
    expect(parsed?.diagnostics).toEqual([]);
    const w = parsed?.value as Workload;
    expect(w.spec.command).toEqual(['node']);
    expect(w.spec.replicas).toBe(1);
    expect(w.spec.readinessProbe).toMatchObject({
      periodSeconds: 1,
      failureThreshold: 3,
      initialDelaySeconds: 0,
    });
  });

  it('names the path and the expectation of every error', () => {
    const [parsed] = parseSource(
      doc(`  command: []
  replicas: 0
  env: {"not valid": x}
  readinessProbe: {httpGet: {path: healthz}, tcpSocket: {port: 99999}}`),
    ).documents;
    const messages = parsed!.diagnostics.map((d) => `${d.path}: ${d.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^spec\.command: expected an executable/),
        expect.stringMatching(/^spec\.replicas: expected 1 or more replicas/),
        expect.stringMatching(/^spec\.readinessProbe\.httpGet\.path: expected a path starting with \//),
        expect.stringMatching(/^spec\.readinessProbe\.tcpSocket\.port: expected a port number/),
      ]),
    );
    expect(messages.some((m) => m.startsWith('spec.env'))).toBe(true);
  });

  it('is a Serin-only kind: flagger.app does not have it', () => {
    const [parsed] = parseSource(doc('  command: node').replace('serin.dev', 'flagger.app')).documents;
    expect(parsed?.diagnostics[0]?.path).toBe('kind');
  });
});
