import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AlertProvider, AlertProviderType } from '../api/alert-provider.js';
import { CanaryDocument, type Canary, type CanaryAlert } from '../api/canary.js';
import { createNotifier } from './notifier.js';

interface Received {
  path: string;
  authorization: string | undefined;
  body: unknown;
}

let server: Server;
let base: string;
let dir: string;
const received: Received[] = [];
let status = 200;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'serin-notify-'));
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        authorization: req.headers.authorization,
        body: JSON.parse(text) as unknown,
      });
      res.writeHead(status).end(status === 200 ? 'ok' : 'invalid_token');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  received.length = 0;
  status = 200;
});

function provider(
  name: string,
  type: AlertProviderType,
  spec: Partial<AlertProvider['spec']> = {},
): AlertProvider {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'AlertProvider',
    metadata: { name, namespace: 'test' },
    spec: { type, address: `${base}/${name}/T000/B000/XXXXsecret`, ...spec },
  };
}

function canary(alerts: CanaryAlert[]): Canary {
  return CanaryDocument.parse({
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: { stepWeight: 10, alerts },
    },
    status: { phase: 'Failed' },
  });
}

const fixedNow = () => new Date('2026-01-02T03:04:05Z');

function notifier(providers: AlertProvider[], errors: string[] = []) {
  return createNotifier({
    providers: (ns, name) =>
      Promise.resolve(providers.find((p) => p.metadata.namespace === ns && p.metadata.name === name)),
    secrets: (ns, name) =>
      Promise.resolve(
        ns === 'test' && name === 'slack-secret'
          ? { address: `${base}/from-secret`, token: 'xoxb-123' }
          : undefined,
      ),
    onError: (m) => errors.push(m),
    now: fixedNow,
  });
}

const entry = (name: string, severity?: 'info' | 'warn' | 'error'): CanaryAlert => ({
  name,
  providerRef: { name },
  ...(severity ? { severity } : {}),
});
const fields = { Target: 'Deployment/podinfo.test' };

describe('alert payloads, delivered to a real HTTP receiver', () => {
  it('sends the Slack attachment', async () => {
    await notifier([provider('slack', 'slack', { channel: 'releases', username: 'bot' })]).alert(
      canary([entry('slack')]),
      {
        severity: 'error',
        message: 'Failed checks threshold reached 5',
        fields,
      },
    );
    expect(received).toEqual([
      {
        path: '/slack/T000/B000/XXXXsecret',
        authorization: undefined,
        body: {
          channel: 'releases',
          username: 'bot',
          icon_emoji: ':rocket:',
          attachments: [
            {
              color: 'danger',
              author_name: 'podinfo.test',
              text: 'Failed checks threshold reached 5',
              mrkdwn_in: ['text'],
              fields: [{ title: 'Target', value: 'Deployment/podinfo.test', short: false }],
            },
          ],
        },
      },
    ]);
  });

  it('sends a Teams MessageCard, a Google Chat card, Discord on /slack, Rocket colours and generic JSON', async () => {
    const all = [
      provider('teams', 'msteams'),
      provider('chat', 'gchat'),
      provider('disc', 'discord'),
      provider('rock', 'rocket'),
      provider('gen', 'generic'),
    ];
    await notifier(all).alert(canary(all.map((p) => entry(p.metadata.name))), {
      severity: 'info',
      message: 'Promotion finished.',
      fields,
    });
    const by = (prefix: string) => received.find((r) => r.path.startsWith(`/${prefix}/`));
    expect(by('teams')?.body).toEqual({
      '@type': 'MessageCard',
      '@context': 'https://schema.org/extensions',
      themeColor: '0076D7',
      summary: 'podinfo.test',
      sections: [
        {
          activityTitle: 'podinfo.test',
          activitySubtitle: 'Failed',
          text: 'Promotion finished.',
          facts: [{ name: 'Target', value: 'Deployment/podinfo.test' }],
        },
      ],
    });
    expect(by('chat')?.body).toEqual({
      cards: [
        {
          header: { title: 'podinfo.test', subtitle: 'serin' },
          sections: [
            { widgets: [{ textParagraph: { text: 'Promotion finished.' } }] },
            { widgets: [{ keyValue: { topLabel: 'Target', content: 'Deployment/podinfo.test' } }] },
          ],
        },
      ],
    });
    expect(by('disc')?.path).toBe('/disc/T000/B000/XXXXsecret/slack');
    expect(by('disc')?.body).toMatchObject({ attachments: [{ color: 'good', text: 'Promotion finished.' }] });
    expect(by('rock')?.body).toMatchObject({ attachments: [{ color: '#0076D7' }] });
    expect(by('gen')?.body).toEqual({
      name: 'podinfo',
      namespace: 'test',
      phase: 'Failed',
      severity: 'info',
      message: 'Promotion finished.',
      fields,
      timestamp: '2026-01-02T03:04:05.000Z',
    });
  });
});

describe('severity filtering', () => {
  it('info receives all, warn receives warn and error, error only error; no severity means info', async () => {
    const ps = ['i', 'w', 'e', 'none'].map((n) => provider(n, 'generic'));
    const c = canary([entry('i', 'info'), entry('w', 'warn'), entry('e', 'error'), entry('none')]);
    const n = notifier(ps);
    const who = async (severity: 'info' | 'warn' | 'error') => {
      received.length = 0;
      await n.alert(c, { severity, message: severity });
      return received.map((r) => r.path.split('/')[1]).sort();
    };
    expect(await who('info')).toEqual(['i', 'none']);
    expect(await who('warn')).toEqual(['i', 'none', 'w']);
    expect(await who('error')).toEqual(['e', 'i', 'none', 'w']);
  });
});

describe('templates, secrets and failures', () => {
  it('applies messageTemplate', async () => {
    const p = provider('tpl', 'generic', {
      messageTemplate:
        '[{{ severity }}] {{ namespace }}/{{ name }} ({{ target }}, {{ phase }}): {{ message }}',
    });
    await notifier([p]).alert(canary([entry('tpl')]), { severity: 'warn', message: 'waiting for approval' });
    expect(received[0]?.body).toMatchObject({
      message: '[warn] test/podinfo (podinfo, Failed): waiting for approval',
    });
  });

  it('reads address and token from a Secret, and the address from a secretFile', async () => {
    const file = join(dir, 'webhook-url');
    await writeFile(file, `${base}/from-file\n`);
    const ps = [
      provider('s', 'slack', { address: undefined, secretRef: { name: 'slack-secret' } }),
      provider('f', 'generic', { address: undefined, secretFile: file }),
    ];
    await notifier(ps).alert(canary([entry('s'), entry('f')]), { severity: 'info', message: 'hi' });
    const paths = received.map((r) => r.path).sort();
    expect(paths).toEqual(['/from-file', '/from-secret']);
    expect(received.find((r) => r.path === '/from-secret')?.authorization).toBe('Bearer xoxb-123');
  });

  it('reports failures without the webhook address, and never throws', async () => {
    status = 403;
    const errors: string[] = [];
    const ps = [
      provider('bad', 'slack'),
      provider('gone', 'slack', { address: 'http://127.0.0.1:1/services/T1/B1/topsecret' }),
      provider('empty', 'generic', { address: undefined }),
    ];
    await notifier(ps, errors).alert(
      canary([entry('bad'), entry('gone'), entry('empty'), entry('missing')]),
      { severity: 'error', message: 'x' },
    );
    expect(errors).toHaveLength(4);
    expect(errors.join('\n')).toMatch(/answered HTTP 403: invalid_token/);
    expect(errors.join('\n')).toMatch(/could not be reached \(ECONNREFUSED\)/);
    expect(errors.join('\n')).toMatch(/no address: set spec.address/);
    expect(errors.join('\n')).toMatch(/AlertProvider test\/missing not found/);
    expect(errors.join('\n')).not.toMatch(/XXXXsecret|topsecret/);
  });

  it('sends to the default providers when the Canary has no alerts, and forwards events', async () => {
    const events: string[] = [];
    const n = createNotifier({
      providers: () => Promise.resolve(undefined),
      defaultProviders: [provider('global', 'generic')],
      events: (_c, e) => {
        events.push(`${e.type}/${e.reason}`);
      },
    });
    await n.alert(canary([]), { severity: 'info', message: 'm' });
    await n.event(canary([]), { type: 'Warning', reason: 'Halt', message: 'x' });
    expect(received.map((r) => r.path)).toEqual(['/global/T000/B000/XXXXsecret']);
    expect(events).toEqual(['Warning/Halt']);
  });
});

describe('an alert delivered again for the same decision', () => {
  it('is sent once, and the generic payload names the decision', async () => {
    const p = provider('gen', 'generic');
    const n = notifier([p]);
    const c = canary([entry('gen')]);
    await n.alert(c, { severity: 'error', message: 'Rolled back', fields, id: 'd-12' });
    await n.alert(c, { severity: 'error', message: 'Rolled back', fields, id: 'd-12' });
    await n.alert(c, { severity: 'error', message: 'Rolled back', fields, id: 'd-13' });
    expect(received.map((r) => (r.body as { decisionId?: string }).decisionId)).toEqual(['d-12', 'd-13']);
  });
});
