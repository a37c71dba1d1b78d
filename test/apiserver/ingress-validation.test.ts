/**
 * The test API server serves networking.k8s.io/v1 Ingress with kube-apiserver's validation of
 * what Serin's ingress providers write; each refusal names the field as kube-apiserver does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from './index.js';

let server: TestApiServer;
const INGRESSES = '/apis/networking.k8s.io/v1/namespaces/default/ingresses';

beforeAll(async () => {
  server = await startTestApiServer({ standardCrds: false, crdDirectories: [] });
});
afterAll(async () => {
  await server.stop();
});

interface Status {
  message?: string;
  details?: { causes?: { field: string; message: string }[] };
}

async function post(body: unknown): Promise<{ status: number; body: Status }> {
  const response = await fetch(`${server.url}${INGRESSES}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Status };
}

let counter = 0;
function ingress(path: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  counter += 1;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: `web-${String(counter)}`, ...extra },
    spec: { rules: [{ host: 'app.example.com', http: { paths: [path] } }] },
  };
}

const good = {
  path: '/',
  pathType: 'Prefix',
  backend: { service: { name: 'podinfo-canary', port: { number: 80 } } },
};

const fields = (s: Status) => (s.details?.causes ?? []).map((c) => c.field).sort();

describe('Ingress validation, as kube-apiserver applies it', () => {
  it('accepts the canary Ingress shape and serves it back', async () => {
    const created = await post(
      ingress(good, { annotations: { 'nginx.ingress.kubernetes.io/canary': 'true' } }),
    );
    expect(created.status).toBe(201);
    const byName = await post(
      ingress({ ...good, backend: { service: { name: 'podinfo', port: { name: 'http' } } } }),
    );
    expect(byName.status).toBe(201);
  });

  it.each([
    ['no pathType', { path: '/', backend: good.backend }, ['spec.rules[0].http.paths[0].pathType']],
    ['an unknown pathType', { ...good, pathType: 'Regex' }, ['spec.rules[0].http.paths[0].pathType']],
    ['a relative Prefix path', { ...good, path: 'api' }, ['spec.rules[0].http.paths[0].path']],
    ['no backend', { path: '/', pathType: 'Prefix' }, ['spec.rules[0].http.paths[0].backend']],
    [
      'a service without a name',
      { ...good, backend: { service: { port: { number: 80 } } } },
      ['spec.rules[0].http.paths[0].backend.service.name'],
    ],
    [
      'a service name that is not a DNS-1035 label',
      { ...good, backend: { service: { name: '9lives', port: { number: 80 } } } },
      ['spec.rules[0].http.paths[0].backend.service.name'],
    ],
    [
      'a service without a port',
      { ...good, backend: { service: { name: 'podinfo' } } },
      ['spec.rules[0].http.paths[0].backend.service.port'],
    ],
    [
      'both a port name and number',
      { ...good, backend: { service: { name: 'podinfo', port: { name: 'http', number: 80 } } } },
      ['spec.rules[0].http.paths[0].backend.service.port'],
    ],
    [
      'a port number out of range',
      { ...good, backend: { service: { name: 'podinfo', port: { number: 70000 } } } },
      ['spec.rules[0].http.paths[0].backend.service.port.number'],
    ],
  ])('refuses %s, naming the field', async (_what, path, expected) => {
    const answer = await post(ingress(path));
    expect(answer.status).toBe(422);
    expect(fields(answer.body)).toEqual(expected);
  });

  it('refuses an Ingress with neither rules nor a default backend, and an IP as host', async () => {
    const empty = await post({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'none' },
      spec: {},
    });
    expect(empty.status).toBe(422);
    expect(fields(empty.body)).toEqual(['spec']);
    const ip = ingress(good) as { spec: { rules: { host: string }[] } };
    ip.spec.rules[0]!.host = '10.0.0.1';
    const answer = await post(ip);
    expect(answer.status).toBe(422);
    expect(fields(answer.body)).toEqual(['spec.rules[0].host']);
  });

  it('refuses an annotation key that is not a qualified name, as on every kind', async () => {
    const answer = await post(ingress(good, { annotations: { 'bad key/with space': 'x' } }));
    expect(answer.status).toBe(422);
    expect(fields(answer.body)).toEqual(['metadata.annotations']);
    expect(answer.body.message).toContain('bad key/with space');
  });
});
