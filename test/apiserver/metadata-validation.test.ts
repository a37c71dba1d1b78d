import { describe, expect, it } from 'vitest';
import { labelCauses } from './metadata-validation.js';

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
