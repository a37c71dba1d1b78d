import { describe, expect, it } from 'vitest';
import { groupOf, isOfType, Resources, resourceTypeOf, type ResourceType } from './resources.js';

const httpRoute = (version: string): ResourceType => ({
  group: 'gateway.networking.k8s.io',
  version,
  plural: 'httproutes',
  kind: 'HTTPRoute',
  namespaced: true,
});

describe('resource types of objects', () => {
  it('reads the group of an apiVersion, the core group being empty', () => {
    expect(groupOf('apps/v1')).toBe('apps');
    expect(groupOf('v1')).toBe('');
  });

  it('matches group and kind, whatever the version', () => {
    expect(isOfType(Resources.service, { apiVersion: 'v1', kind: 'Service' })).toBe(true);
    expect(isOfType(Resources.deployment, { apiVersion: 'apps/v1beta2', kind: 'Deployment' })).toBe(true);
    expect(isOfType(Resources.deployment, { apiVersion: 'extensions/v1beta1', kind: 'Deployment' })).toBe(
      false,
    );
    expect(isOfType(Resources.service, { apiVersion: 'v1', kind: 'Endpoints' })).toBe(false);
  });

  it('prefers the type of the exact version, else one of the same group and kind', () => {
    const types = [httpRoute('v1beta1'), httpRoute('v1'), Resources.service];
    const v1 = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' };
    expect(resourceTypeOf(v1, types)?.version).toBe('v1');
    const alpha = { apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind: 'HTTPRoute' };
    expect(resourceTypeOf(alpha, types)?.version).toBe('v1beta1');
    expect(resourceTypeOf({ apiVersion: 'v1', kind: 'Pod' }, types)).toBeUndefined();
  });
});
