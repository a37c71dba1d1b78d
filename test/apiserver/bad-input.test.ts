import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestApiServer, type TestApiServer } from './index.js';

let server: TestApiServer;

interface Answer {
  status: number;
  body: { kind?: string; reason?: string; message?: string; code?: number };
}

async function call(
  method: string,
  path: string,
  body?: string,
  contentType = 'application/json',
): Promise<Answer> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'Content-Type': contentType },
    ...(body === undefined ? {} : { body }),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

const CONFIGMAPS = '/api/v1/namespaces/default/configmaps';

beforeAll(async () => {
  server = await startTestApiServer({ standardCrds: false, crdDirectories: [] });
  await call('POST', CONFIGMAPS, JSON.stringify({ metadata: { name: 'exists' } }));
  await call(
    'POST',
    '/apis/apps/v1/namespaces/default/deployments',
    JSON.stringify({ metadata: { name: 'web' }, spec: { replicas: 1 } }),
  );
});

afterAll(async () => {
  await server.stop();
});

describe('malformed requests get a Status naming what is wrong', () => {
  const cases: [string, string, string, string | undefined, string, number, RegExp][] = [
    ['body that is not JSON', 'POST', CONFIGMAPS, '{"metadata":', 'application/json', 400, /not valid JSON/],
    [
      'no name',
      'POST',
      CONFIGMAPS,
      '{"metadata":{}}',
      'application/json',
      422,
      /metadata\.name: Required value/,
    ],
    [
      'invalid name',
      'POST',
      CONFIGMAPS,
      '{"metadata":{"name":"Bad_Name"}}',
      'application/json',
      422,
      /metadata\.name: Invalid value: "Bad_Name"/,
    ],
    [
      'wrong kind',
      'POST',
      CONFIGMAPS,
      '{"kind":"Secret","metadata":{"name":"x"}}',
      'application/json',
      400,
      /kind in the data \(Secret\) does not match the expected kind \(ConfigMap\)/,
    ],
    [
      'wrong apiVersion',
      'POST',
      CONFIGMAPS,
      '{"apiVersion":"apps/v1","metadata":{"name":"x"}}',
      'application/json',
      400,
      /API version in the data \(apps\/v1\)/,
    ],
    [
      'namespace mismatch',
      'POST',
      CONFIGMAPS,
      '{"metadata":{"name":"x","namespace":"other"}}',
      'application/json',
      400,
      /namespace of the provided object does not match/,
    ],
    ['body not an object', 'POST', CONFIGMAPS, '[1,2]', 'application/json', 400, /not a ConfigMap object/],
    [
      'unknown resource',
      'GET',
      '/api/v1/namespaces/default/widgets',
      undefined,
      'application/json',
      404,
      /could not find the requested resource/,
    ],
    [
      'unknown group version',
      'GET',
      '/apis/nope.io/v1',
      undefined,
      'application/json',
      404,
      /could not find the requested resource/,
    ],
    [
      'unsupported subresource',
      'GET',
      `${CONFIGMAPS}/exists/status`,
      undefined,
      'application/json',
      404,
      /could not find/,
    ],
    [
      'POST to an object',
      'POST',
      `${CONFIGMAPS}/exists`,
      '{}',
      'application/json',
      405,
      /POST is not supported/,
    ],
    ['unknown patch type', 'PATCH', `${CONFIGMAPS}/exists`, '{}', 'text/plain', 415, /unknown format/],
    [
      'JSON patch that is not a list',
      'PATCH',
      `${CONFIGMAPS}/exists`,
      '{"op":"add"}',
      'application/json-patch+json',
      400,
      /must be an array/,
    ],
    [
      'JSON patch on a missing path',
      'PATCH',
      `${CONFIGMAPS}/exists`,
      '[{"op":"replace","path":"/data/none","value":"x"}]',
      'application/json-patch+json',
      422,
      /rejected our request/,
    ],
    [
      'empty merge patch body',
      'PATCH',
      `${CONFIGMAPS}/exists`,
      '',
      'application/merge-patch+json',
      400,
      /patch body is empty/,
    ],
    [
      'apply without apiVersion',
      'PATCH',
      `${CONFIGMAPS}/exists?fieldManager=t`,
      'metadata: {name: exists}',
      'application/apply-patch+yaml',
      400,
      /must set apiVersion and kind/,
    ],
    [
      'apply that is not YAML',
      'PATCH',
      `${CONFIGMAPS}/exists?fieldManager=t`,
      'a: [',
      'application/apply-patch+yaml',
      400,
      /not valid YAML/,
    ],
    [
      'apply naming another object',
      'PATCH',
      `${CONFIGMAPS}/exists?fieldManager=t`,
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}',
      'application/apply-patch+yaml',
      400,
      /does not match the name on the URL/,
    ],
    [
      'negative scale',
      'PUT',
      '/apis/apps/v1/namespaces/default/deployments/web/scale',
      '{"spec":{"replicas":-1}}',
      'application/json',
      422,
      /spec\.replicas: Invalid value: -1/,
    ],
    [
      'bad propagation policy',
      'DELETE',
      `${CONFIGMAPS}/exists`,
      '{"propagationPolicy":"Sometimes"}',
      'application/json',
      400,
      /propagationPolicy must be/,
    ],
    [
      'bad percent-encoding',
      'GET',
      '/api/v1/namespaces/%E0%A4%A/configmaps',
      undefined,
      'application/json',
      400,
      /not valid percent-encoding/,
    ],
    [
      'bad continue token',
      'GET',
      `${CONFIGMAPS}?limit=1&continue=%%%`,
      undefined,
      'application/json',
      400,
      /continue token/,
    ],
    [
      'bad limit',
      'GET',
      `${CONFIGMAPS}?limit=-3`,
      undefined,
      'application/json',
      400,
      /limit must be a non-negative integer/,
    ],
    [
      'bad label selector',
      'GET',
      `${CONFIGMAPS}?labelSelector=${encodeURIComponent('a in (b')}`,
      undefined,
      'application/json',
      400,
      /unable to parse requirement/,
    ],
    [
      'protobuf body',
      'POST',
      CONFIGMAPS,
      'k8s\u0000',
      'application/vnd.kubernetes.protobuf',
      415,
      /unknown format/,
    ],
    [
      'CRD without versions',
      'POST',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      '{"metadata":{"name":"a.b.c"},"spec":{"group":"b.c","names":{"kind":"A","plural":"a"},"versions":[]}}',
      'application/json',
      400,
      /spec\.versions/,
    ],
  ];

  it.each(cases)('%s', async (_label, method, path, body, contentType, status, message) => {
    const answer = await call(method, path, body, contentType);
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ kind: 'Status', code: status });
    expect(answer.body.message).toMatch(message);
  });

  it('leaves nothing half-applied after a rejected write', async () => {
    const before = await call('GET', `${CONFIGMAPS}/exists`);
    await call(
      'PATCH',
      `${CONFIGMAPS}/exists`,
      '[{"op":"add","path":"/data","value":{"a":"1"}},{"op":"test","path":"/data/a","value":"2"}]',
      'application/json-patch+json',
    );
    const after = await call('GET', `${CONFIGMAPS}/exists`);
    expect(after.body).toEqual(before.body);
  });
});

describe('the Accept header is negotiated as kube-apiserver does', () => {
  const get = async (accept: string) => {
    const response = await fetch(`${server.url}${CONFIGMAPS}/exists`, { headers: { Accept: accept } });
    return {
      status: response.status,
      type: response.headers.get('content-type') ?? '',
      body: (await response.json()) as { kind?: string; reason?: string; code?: number; message?: string },
    };
  };

  it('answers 406 with a Status when only protobuf is acceptable, which this server cannot write', async () => {
    const answer = await get('application/vnd.kubernetes.protobuf');
    expect(answer.status).toBe(406);
    expect(answer.body).toMatchObject({ kind: 'Status', reason: 'NotAcceptable', code: 406 });
    expect(answer.body.message).toContain('only the following media types are accepted: application/json');
  });

  it.each([
    'application/vnd.kubernetes.protobuf,application/json',
    'application/vnd.kubernetes.protobuf, */*',
    'application/*',
  ])('falls back to JSON for %s', async (accept) => {
    const answer = await get(accept);
    expect(answer.status).toBe(200);
    expect(answer.type).toContain('application/json');
    expect(answer.body.kind).toBe('ConfigMap');
  });

  it('keeps the parameters of a JSON range (a Table) for the endpoint', async () => {
    const answer = await get('application/json;as=Table;v=v1;g=meta.k8s.io,application/json');
    expect(answer.status).toBe(200);
    expect(answer.body.kind).toBe('Table');
  });

  it('refuses a protobuf body with 415 even when the answer could be JSON', async () => {
    const response = await fetch(`${server.url}${CONFIGMAPS}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf', Accept: 'application/json' },
      body: 'k8s\u0000',
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({
      kind: 'Status',
      reason: 'UnsupportedMediaType',
      code: 415,
    });
  });
});
