import { describe, expect, it } from 'vitest';
import { crdProblems } from '../../../test/support/crd-conformance.js';
import { describeProviderContract, lookupOf } from '../../../test/support/routing-provider-contract.js';
import { knativeServiceCauses, knativeServiceSchema } from '../../../test/apiserver/knative-crd.js';
import { blocking, canaryCapabilities } from '../../api/capabilities.js';
import { CanaryDocument } from '../../api/canary.js';
import { knativeProvider, renderKnativeTraffic } from './knative.js';
import type { KubeObject } from './types.js';

/** Flagger's tutorial Canary: no spec.service, a Knative Service target. */
const raw = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'podinfo', namespace: 'test', uid: '1f0c5a52-0000-4000-8000-000000000024' },
  spec: {
    provider: 'knative',
    targetRef: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'podinfo' },
    analysis: { interval: '15s', threshold: 15, maxWeight: 50, stepWeight: 10 },
  },
};

const userService = (annotations: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Service',
  metadata: { name: 'podinfo', namespace: 'test', annotations },
  spec: { template: { spec: { containers: [{ image: 'ghcr.io/stefanprodan/podinfo:6.0.1' }] } } },
  status: { latestCreatedRevisionName: 'podinfo-00002' },
});

describeProviderContract(knativeProvider, () => ({
  canary: CanaryDocument.parse(raw),
  raw,
  inputs: [userService({ 'flagger.app/primary-revision': 'podinfo-00001' })],
}));

const canary = CanaryDocument.parse(raw);
const plan = (w: number) => ({ primaryWeight: 100 - w, canaryWeight: w, mirrored: false });

describe('knative: the Knative Service traffic Flagger writes', () => {
  it('reads a tutorial Canary without spec.service', () => {
    expect(canary.spec.targetRef.kind).toBe('Service');
    expect(blocking(canaryCapabilities(raw))).toEqual([]);
  });

  it('sends the canary share to the latest revision and the rest to the recorded primary', () => {
    const live = lookupOf([userService({ 'flagger.app/primary-revision': 'podinfo-00001' })]);
    const object = renderKnativeTraffic(canary, plan(30), live);
    expect(object.metadata).toEqual({
      name: 'podinfo',
      namespace: 'test',
      annotations: { 'flagger.app/primary-revision': 'podinfo-00001' },
    });
    expect(object.spec).toEqual({
      traffic: [
        { latestRevision: true, percent: 30 },
        { revisionName: 'podinfo-00001', percent: 70 },
      ],
    });
    // Never an owner reference: the Service is the user's, and must outlive the Canary.
    expect(object.metadata.ownerReferences).toBeUndefined();
  });

  it('records the latest created revision as the primary when none is recorded yet (initialisation)', () => {
    const object = renderKnativeTraffic(canary, plan(0), lookupOf([userService()]));
    expect(object.metadata.annotations).toEqual({ 'flagger.app/primary-revision': 'podinfo-00002' });
  });

  it('says what is missing when the Service or its revision is not there', () => {
    expect(() => renderKnativeTraffic(canary, plan(0), lookupOf([]))).toThrow(
      /^spec\.targetRef: Knative Service podinfo not found/,
    );
    const fresh = { ...userService(), status: {} };
    expect(() => renderKnativeTraffic(canary, plan(0), lookupOf([fresh]))).toThrow(
      /status\.latestCreatedRevisionName/,
    );
  });

  it.each([0, 10, 50, 100])(
    'at %i%% validates against the published Service schema and Knative’s webhook',
    (w) => {
      const object = renderKnativeTraffic(
        canary,
        plan(w),
        lookupOf([userService({ 'flagger.app/primary-revision': 'podinfo-00001' })]),
      );
      expect(crdProblems(object, knativeServiceSchema())).toEqual([]);
      expect(knativeServiceCauses(JSON.parse(JSON.stringify(object)) as never)).toEqual([]);
    },
  );

  it('reads back only its own two targets; the user’s own traffic block is all on the primary', () => {
    const own = userService({ 'flagger.app/primary-revision': 'podinfo-00001' });
    const mine = { ...own, spec: { traffic: [{ latestRevision: true, percent: 100 }] } };
    expect(knativeProvider.read(canary, lookupOf([mine]))).toEqual(plan(0));
  });

  it('refuses what a Knative route cannot express, naming the field', () => {
    const withMatch = {
      ...raw,
      spec: {
        ...raw.spec,
        service: { port: 80, retries: { attempts: 3 } },
        analysis: { ...raw.spec.analysis, match: [{ headers: { x: { exact: 'y' } } }], mirror: true },
      },
    };
    const paths = blocking(canaryCapabilities(withMatch)).map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['spec.analysis.match', 'spec.analysis.mirror', 'spec.service.retries']),
    );
  });

  it('gives its fields back on finalize by applying the Service with none of them', () => {
    const live = lookupOf([userService({ 'flagger.app/primary-revision': 'podinfo-00001' })]);
    expect(knativeProvider.finalize(canary, live)).toEqual({
      delete: [],
      apply: [{ apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'podinfo' } }],
    });
  });
});

describe("the test API server's Knative webhook", () => {
  const withTraffic = (traffic: unknown) => ({ spec: { traffic } }) as never;
  it('refuses traffic that does not sum to 100, or names a revision and the latest at once', () => {
    expect(knativeServiceCauses(withTraffic([{ latestRevision: true, percent: 90 }]))[0]?.message).toBe(
      'Traffic targets sum to 90, want 100',
    );
    expect(
      knativeServiceCauses(withTraffic([{ latestRevision: true, revisionName: 'a', percent: 100 }]))[0]
        ?.field,
    ).toBe('spec.traffic[0].revisionName');
    expect(knativeServiceCauses(withTraffic([{ percent: 100 }]))[0]?.reason).toBe('FieldValueRequired');
  });
});
