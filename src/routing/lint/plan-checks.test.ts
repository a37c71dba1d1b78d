import { describe, expect, it } from 'vitest';
import { readManifests } from '../manifests.js';
import { lintManifests } from './index.js';

/**
 * Lint reads VirtualServices through the compiled route plan the local router executes: what the
 * plan refuses is refused, and destinations are those the plan sends traffic to (mirrors[] and
 * delegated rules included).
 */
const lint = (text: string) => lintManifests(readManifests([{ name: 'set.yaml', text }]));
const codes = (text: string) => lint(text).map((f) => `${f.code}:${f.severity}:${f.line}`);

const rule = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web, namespace: shop}
spec:
  host: web
  subsets: [{name: v1, labels: {version: v1}}]
`;

const vs = (http: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [web]
  http:
${http}`;

describe('lint checks the route plan', () => {
  it('refuses (SRN1006) what the plan refuses though Istio accepts each resource, naming the field', () => {
    // Istio validates each VirtualService alone; the nested delegate is refused by the plan, which
    // sees both, as \`serin run\` does.
    const text = `${vs('  - match: [{uri: {prefix: /api}}]\n    delegate: {name: api, namespace: shop}\n')}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api, namespace: shop}
spec:
  http:
  - match: [{uri: {prefix: /api/v2}}]
    delegate: {name: deeper, namespace: shop}
`;
    const findings = lint(text).filter((f) => f.name === 'web');
    expect(findings.map((f) => `${f.code}:${f.severity}:${f.line}`)).toEqual(['SRN1006:error:8']);
    expect(findings[0]?.message).toContain('a delegate cannot delegate');
  });

  it('checks the subsets of mirrors[] like those of route (SRN1101)', () => {
    const text = `${rule}---\n${vs(
      '  - route: [{destination: {host: web, subset: v1}}]\n    mirrors: [{destination: {host: web, subset: v9}}]\n',
    )}`;
    expect(codes(text)).toEqual(['SRN1101:error:15']);
  });

  it('a mirror at 0% copies nothing: its subset is not checked', () => {
    const text = `${rule}---\n${vs(
      '  - route: [{destination: {host: web, subset: v1}}]\n    mirrors: [{destination: {host: web, subset: v9}, percentage: {value: 0}}]\n',
    )}`;
    expect(codes(text)).toEqual([]);
  });

  it('reads short hosts as the plan does: a port or a trailing dot does not hide the DestinationRule', () => {
    const text = `${rule}---\n${vs('  - route: [{destination: {host: web.shop.svc.cluster.local., subset: v2}}]\n')}`;
    expect(codes(text)).toEqual(['SRN1101:error:14']);
  });

  it('a fault at 0% is reported like a fault without percentage (SRN1171)', () => {
    expect(
      codes(
        vs(
          '  - route: [{destination: {host: web}}]\n    fault: {delay: {fixedDelay: 1s, percentage: {value: 0}}}\n',
        ),
      ),
    ).toEqual(['SRN1171:warning:8']);
  });

  it('a delegate that routes to an undefined subset is reported in the delegate', () => {
    const text = `${rule}---
${vs('  - match: [{uri: {prefix: /api}}]\n    delegate: {name: api, namespace: shop}\n  - route: [{destination: {host: web, subset: v1}}]\n')}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api, namespace: shop}
spec:
  http:
  - route: [{destination: {host: web, subset: v7}}]
`;
    expect(codes(text)).toEqual(['SRN1101:error:23']);
  });
});
