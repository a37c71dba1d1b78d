// client-node's models are classes, but its API takes and returns plain JSON; the tests build bodies as literals.
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment */
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { kubeConfigFor, startTestApiServer, type TestApiServer } from './index.js';
import { waitFor } from './testing.js';

let server: TestApiServer;
let apps: AppsV1Api;
let core: CoreV1Api;

beforeAll(async () => {
  server = await startTestApiServer({ deployments: { readyDelayMs: 20, pods: true } });
  const config = kubeConfigFor(server);
  apps = config.makeApiClient(AppsV1Api);
  core = config.makeApiClient(CoreV1Api);
});

afterAll(async () => {
  await server.stop();
});

async function podsOf(name: string, containers: { name: string; image: string }[]): Promise<string> {
  await apps.createNamespacedDeployment({
    namespace: 'default',
    body: {
      metadata: { name },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers } },
      },
    },
  });
  return waitFor(`${name} pod`, async () => {
    const pods = await core.listNamespacedPod({ namespace: 'default', labelSelector: `app=${name}` });
    return pods.items[0]?.metadata?.name;
  });
}

const raw = async (path: string): Promise<{ status: number; type: string | null; text: string }> => {
  const response = await fetch(`${server.url}${path}`);
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
};

it('serves pods/log as plain text with tailLines, through client-node', async () => {
  const pod = await podsOf('logs', [{ name: 'app', image: 'app:1' }]);
  const text = await core.readNamespacedPodLog({ name: pod, namespace: 'default', tailLines: 1 });
  expect(text).toBe('listening on :9898\n');
  const all = await raw(`/api/v1/namespaces/default/pods/${pod}/log`);
  expect(all).toMatchObject({
    status: 200,
    type: 'text/plain',
    text: 'starting app:1\nlistening on :9898\n',
  });
});

it('refuses what kube-apiserver refuses: ambiguous container, unknown container, no previous, bad tailLines', async () => {
  const pod = await podsOf('two', [
    { name: 'app', image: 'app:1' },
    { name: 'sidecar', image: 'proxy:1' },
  ]);
  const base = `/api/v1/namespaces/default/pods/${pod}/log`;
  const ambiguous = await raw(base);
  expect(ambiguous.status).toBe(400);
  expect(JSON.parse(ambiguous.text)).toMatchObject({
    message: `a container name must be specified for pod ${pod}, choose one of: [app sidecar]`,
  });
  expect((await raw(`${base}?container=nope`)).status).toBe(400);
  expect((await raw(`${base}?container=app&previous=true`)).status).toBe(400);
  expect((await raw(`${base}?container=app&tailLines=-1`)).status).toBe(400);
  expect((await raw(`${base}?container=sidecar`)).text).toBe('starting proxy:1\nlistening on :9898\n');
  expect((await raw('/api/v1/namespaces/default/pods/absent/log')).status).toBe(404);
  const post = await fetch(`${server.url}${base}?container=app`, { method: 'POST' });
  expect(post.status).toBe(405);
});

it("a crash-looping container's previous instance holds the output it died with", async () => {
  const pod = await podsOf('crash', [{ name: 'app', image: 'app:2' }]);
  server.setDeploymentBehaviour('default', 'crash', 'crash-loop');
  const previous = await waitFor('previous logs', async () => {
    const answer = await raw(`/api/v1/namespaces/default/pods/${pod}/log?previous=true`);
    return answer.status === 200 ? answer.text : undefined;
  });
  expect(previous).toContain('fatal: database is unreachable');
});
