import { describe, expect, it } from 'vitest';
import { runCommand } from '../../../test/support/in-process-cli.js';
import { controllerCommand } from '../definitions/controller.js';

describe('serin controller --namespaced-rbac', () => {
  it('needs --namespace, the namespace the Role is granted in', async () => {
    const r = await runCommand([controllerCommand], ['controller', '--namespaced-rbac']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--namespaced-rbac: expected --namespace');
  });

  it('refuses a default provider that writes a cluster-scoped kind, naming --provider', async () => {
    const r = await runCommand(
      [controllerCommand],
      ['controller', '--namespaced-rbac', '-n', 'apps', '--provider', 'kuma'],
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--provider: the kuma provider writes TrafficRoute (trafficroutes.kuma.io)');
  });
});
