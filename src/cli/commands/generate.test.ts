import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runCommand } from '../../../test/support/in-process-cli.js';
import { generateCommand } from '../definitions/generate.js';
import { routeCommand } from '../definitions/route.js';

describe('serin generate split', () => {
  it('-o json prints JSON (the subcommand owns -o, not its parent)', async () => {
    const r = await runCommand(
      [generateCommand],
      ['generate', 'split', '--service', 'my-app', '--subset', 'v1=100', '-o', 'json'],
    );
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as { kind: string; items: { kind: string }[] };
    expect(list.kind).toBe('List');
    expect(list.items.map((i) => i.kind)).toEqual(['DestinationRule', 'VirtualService']);
  });
});

describe('serin route explain', () => {
  it('keeps --method as given and reads --source-namespace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'serin-explain-'));
    onTestFinished(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    const file = join(dir, 'vs.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: networking.istio.io/v1',
        'kind: VirtualService',
        'metadata: {name: reviews, namespace: bookinfo}',
        'spec:',
        '  hosts: [reviews]',
        '  http:',
        '  - match: [{method: {exact: POST}, sourceNamespace: web}]',
        '    route: [{destination: {host: reviews, subset: v2}}]',
        '  - route: [{destination: {host: reviews, subset: v1}}]',
      ].join('\n'),
    );
    const explain = async (...extra: string[]) => {
      const r = await runCommand(
        [routeCommand],
        ['route', 'explain', '-f', file, '--host', 'reviews', '-n', 'bookinfo', '-o', 'json', ...extra],
      );
      return JSON.parse(r.stdout) as { rule?: { index: number }; request: { method: string } };
    };
    expect((await explain('--method', 'POST', '--source-namespace', 'web')).rule?.index).toBe(0);
    const lower = await explain('--method', 'post', '--source-namespace', 'web');
    expect(lower.request.method).toBe('post');
    expect(lower.rule?.index).toBe(1);
    expect((await explain('--method', 'POST')).rule?.index).toBe(1);
  });
});
