import { describe, expect, it } from 'vitest';
import { annotationCauses, labelCauses } from './metadata-validation.js';

describe('label validation, as kube-apiserver applies it', () => {
  it.each([
    ['app', 'podinfo'],
    ['app.kubernetes.io/name', 'podinfo'],
    ['serin.dev/state-of', 'a.b-c_d'],
    ['empty', ''],
    ['x', 'a'.repeat(63)],
  ])('accepts %s=%s', (key, value) => {
    expect(labelCauses({ labels: { [key]: value } })).toEqual([]);
  });

  it.each([
    ['x', 'a'.repeat(64), 'must be no more than 63 characters'],
    ['x', '-leading', 'must start and end with an alphanumeric character'],
    ['x', 'has space', 'must start and end with an alphanumeric character'],
    ['Bad_Prefix/x', 'v', 'prefix part'],
    ['n'.repeat(64), 'v', 'name part must be no more than 63 characters'],
    ['a/', 'v', 'name part must consist of'],
  ])('refuses %s=%s', (key, value, message) => {
    const causes = labelCauses({ labels: { [key]: value } });
    expect(causes).toHaveLength(1);
    expect(causes[0]?.field).toBe('metadata.labels');
    expect(causes[0]?.message).toContain(message);
  });
});

describe('annotation validation, as kube-apiserver applies it', () => {
  it('accepts qualified names, an upper-case prefix included (checked lower-cased)', () => {
    expect(
      annotationCauses({
        annotations: { 'nginx.ingress.kubernetes.io/canary-weight': '10', 'Example.COM/x': '', plain: 'v' },
      }),
    ).toEqual([]);
  });

  it.each([
    ['has space', 'name part must consist of'],
    ['bad_prefix/x', 'prefix part'],
    ['a/b/c', 'name part must consist of'],
  ])('refuses the key %s', (key, message) => {
    const causes = annotationCauses({ annotations: { [key]: 'v' } });
    expect(causes).toHaveLength(1);
    expect(causes[0]?.field).toBe('metadata.annotations');
    expect(causes[0]?.message).toContain(message);
  });

  it('refuses more than 256 KiB of annotations', () => {
    const causes = annotationCauses({ annotations: { big: 'x'.repeat(256 * 1024) } });
    expect(causes.map((c) => c.message)).toEqual(['Too long: must have at most 262144 bytes']);
  });
});
