import { describe, expect, it } from 'vitest';
import { configRefs, renameConfigRefs, type TrackedConfig } from './configs.js';

const podSpec = {
  volumes: [
    { name: 'a', configMap: { name: 'cm-vol' } },
    { name: 'b', secret: { secretName: 'sec-vol', optional: true } },
    {
      name: 'c',
      projected: { sources: [{ configMap: { name: 'cm-proj' } }, { secret: { name: 'sec-proj' } }] },
    },
  ],
  initContainers: [{ name: 'init', envFrom: [{ configMapRef: { name: 'cm-init' } }] }],
  containers: [
    {
      name: 'app',
      env: [
        { name: 'A', valueFrom: { configMapKeyRef: { name: 'cm-env', key: 'a' } } },
        { name: 'B', valueFrom: { secretKeyRef: { name: 'sec-env', key: 'b' } } },
        { name: 'C', value: 'plain' },
      ],
      envFrom: [{ secretRef: { name: 'sec-from' } }],
    },
  ],
};

describe('config tracking', () => {
  it('finds ConfigMaps and Secrets in volumes, projections, env and envFrom, in init containers too', () => {
    const refs = configRefs(podSpec);
    expect([...refs.keys()].sort()).toEqual(
      [
        'configmap/cm-env',
        'configmap/cm-init',
        'configmap/cm-proj',
        'configmap/cm-vol',
        'secret/sec-env',
        'secret/sec-from',
        'secret/sec-proj',
        'secret/sec-vol',
      ].sort(),
    );
    expect(refs.get('secret/sec-vol')?.optional).toBe(true);
    expect(refs.get('configmap/cm-vol')?.optional).toBe(false);
  });

  it('points tracked references at -primary copies and leaves the rest and the input alone', () => {
    const tracked = [
      { ref: { kind: 'configmap', name: 'cm-vol', optional: false } },
      { ref: { kind: 'secret', name: 'sec-env', optional: false } },
    ] as TrackedConfig[];
    const out = JSON.stringify(renameConfigRefs(podSpec, tracked));
    expect(out).toContain('"configMap":{"name":"cm-vol-primary"}');
    expect(out).toContain('"secretKeyRef":{"name":"sec-env-primary"');
    expect(out).toContain('"configMapKeyRef":{"name":"cm-env"');
    expect(JSON.stringify(podSpec)).not.toContain('-primary');
  });
});
