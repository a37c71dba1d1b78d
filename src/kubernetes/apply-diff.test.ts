import { describe, expect, it } from 'vitest';

import { applyIsNoop } from './apply-diff.js';
import type { KubeObject } from './client.js';

const desiredService: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'shop', annotations: { a: '1' } },
  spec: {
    selector: { app: 'web-primary' },
    ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
  },
};

/** What the API server returns after Serin applied `desiredService` and the user added to it. */
function liveService(
  ports: Record<string, unknown>[],
  serinPorts: string[] = ['k:{"port":80,"protocol":"TCP"}'],
  portFields: string[] = ['f:name', 'f:port', 'f:targetPort', 'f:protocol'],
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'web',
      namespace: 'shop',
      annotations: { a: '1', 'user.example.com/note': 'mine' },
      labels: { team: 'shop' },
      managedFields: [
        {
          manager: 'serin',
          operation: 'Apply',
          apiVersion: 'v1',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': { 'f:annotations': { 'f:a': {} } },
            'f:spec': {
              'f:selector': {},
              'f:ports': Object.fromEntries(
                serinPorts.map((key) => [
                  key,
                  { '.': {}, ...Object.fromEntries(portFields.map((f) => [f, {}])) },
                ]),
              ),
            },
          },
        },
      ],
    },
    spec: {
      selector: { app: 'web-primary' },
      type: 'ClusterIP',
      clusterIP: '10.0.0.1',
      sessionAffinity: 'None',
      ports,
    },
  };
}

const http = { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' };

describe('applyIsNoop', () => {
  it('ignores what others own: an extra port, labels, annotations and server defaults', () => {
    const live = liveService([{ name: 'admin', port: 9999, targetPort: 9999, protocol: 'TCP' }, http]);
    expect(applyIsNoop(live, desiredService, 'serin')).toBe(true);
  });

  it('sees a changed value of a field Serin applies, inside a keyed item', () => {
    const live = liveService([{ ...http, targetPort: 9090 }]);
    expect(applyIsNoop(live, desiredService, 'serin')).toBe(false);
  });

  it('sees a missing keyed item', () => {
    expect(applyIsNoop(liveService([{ ...http, port: 81 }]), desiredService, 'serin')).toBe(false);
  });

  it('sees an item Serin owns and no longer applies (the apply would prune it)', () => {
    const live = liveService(
      [http, { name: 'old', port: 81, targetPort: 81, protocol: 'TCP' }],
      ['k:{"port":80,"protocol":"TCP"}', 'k:{"port":81,"protocol":"TCP"}'],
    );
    expect(applyIsNoop(live, desiredService, 'serin')).toBe(false);
  });

  it('keys Service ports by port and protocol, with protocol defaulting to TCP', () => {
    const { protocol: _protocol, ...withoutProtocol } = http;
    const desired: KubeObject = {
      ...desiredService,
      spec: { selector: { app: 'web-primary' }, ports: [withoutProtocol] },
    };
    const applied = ['f:name', 'f:port', 'f:targetPort'];
    const key = ['k:{"port":80,"protocol":"TCP"}'];
    expect(applyIsNoop(liveService([http], key, applied), desired, 'serin')).toBe(true);
    expect(applyIsNoop(liveService([{ ...http, protocol: 'UDP' }], key, applied), desired, 'serin')).toBe(
      false,
    );
  });

  it("compares a custom resource's lists whole and in order (atomic, as Istio's CRDs declare none)", () => {
    const route = (hosts: string[]): KubeObject => ({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { hosts },
    });
    expect(applyIsNoop(route(['a', 'b']), route(['a', 'b']), 'serin')).toBe(true);
    expect(applyIsNoop(route(['a', 'b', 'c']), route(['a', 'b']), 'serin')).toBe(false);
    expect(applyIsNoop(route(['b', 'a']), route(['a', 'b']), 'serin')).toBe(false);
  });

  it('an object that does not exist yet is a change', () => {
    expect(applyIsNoop(undefined, desiredService, 'serin')).toBe(false);
  });
});
