import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../../test/apiserver/index.js';
import { structuralProblems } from './crd.js';
import { flaggerSupersetCrd, renderFlaggerSupersetFile, SUPERSET_FILE } from './flagger-superset-crd.js';

let server: TestApiServer;

beforeAll(async () => {
  // Only the superset CRD for flagger.app: a cluster Flagger has been removed from.
  server = await startTestApiServer({ standardCrds: false, crdDirectories: [] });
  server.registerCrd(flaggerSupersetCrd() as Parameters<TestApiServer['registerCrd']>[0]);
});

afterAll(async () => {
  await server.stop();
});

async function call(method: string, path: string, body: unknown, contentType = 'application/json') {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'Content-Type': contentType },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('superset flagger.app Canary CRD', () => {
  it(`matches deploy/flagger/${SUPERSET_FILE} (run \`npx tsx scripts/generate-crds.ts\`)`, () => {
    const onDisk = readFileSync(
      join(import.meta.dirname, '..', '..', 'deploy', 'flagger', SUPERSET_FILE),
      'utf8',
    );
    expect(onDisk).toBe(renderFlaggerSupersetFile());
  });

  it("defaults the noise guard off for flagger.app documents (Flagger's meaning), on in serin.dev", () => {
    const text = renderFlaggerSupersetFile();
    expect(text).toMatch(/noiseGuard:\n\s+default: false/);
    expect(text).not.toMatch(/noiseGuard:\n\s+default: true/);
    const serin = readFileSync(
      join(import.meta.dirname, '../../deploy/crds/canaries.serin.dev.yaml'),
      'utf8',
    );
    expect(serin).toMatch(/noiseGuard:\n\s+default: true/);
  });

  it("is a structural schema in Flagger's group, without Serin's short names", () => {
    const crd = flaggerSupersetCrd() as {
      metadata: { name: string };
      spec: {
        group: string;
        names: { shortNames?: string[] };
        versions: { schema: { openAPIV3Schema: unknown } }[];
      };
    };
    expect(crd.metadata.name).toBe('canaries.flagger.app');
    expect(crd.spec.group).toBe('flagger.app');
    expect(crd.spec.names.shortNames).toBeUndefined();
    expect(structuralProblems(crd.spec.versions[0]?.schema.openAPIV3Schema)).toEqual([]);
  });

  it("keeps Serin's spec and status fields that Flagger's stock CRD prunes", async () => {
    const path = '/apis/flagger.app/v1beta1/namespaces/default/canaries';
    const created = await call('POST', path, {
      apiVersion: 'flagger.app/v1beta1',
      kind: 'Canary',
      metadata: { name: 'kept' },
      spec: {
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'kept' },
        service: { port: 80 },
        analysis: { interval: '1m', threshold: 5, stepWeight: 10, unknownThreshold: 3 },
      },
    });
    expect(created.status).toBe(201);
    expect((created.body.spec as { analysis: Record<string, unknown> }).analysis.unknownThreshold).toBe(3);
    const status = await call(
      'PATCH',
      `${path}/kept/status`,
      { status: { phase: 'Progressing', lastCommandId: 'c1', waitingFor: 'confirm-promotion' } },
      'application/merge-patch+json',
    );
    expect(status.body.status).toMatchObject({ lastCommandId: 'c1', waitingFor: 'confirm-promotion' });
  });
});
