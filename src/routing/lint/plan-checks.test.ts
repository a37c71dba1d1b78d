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

describe('lint checks HTTPRoutes through the route plan', () => {
  const service = `apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80}]
---
`;
  const route = (rule: string, spec = '  parentRefs: [{name: public}]\n') =>
    `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web, namespace: shop}\nspec:\n${spec}  rules:\n  - ${rule}\n`;

  it('a backend Service that is not in the set, or a port it does not expose (SRN1180)', () => {
    expect(codes(service + route('{backendRefs: [{name: web, port: 80}, {name: wbe, port: 80}]}'))).toEqual([
      'SRN1180:error:14',
    ]);
    const findings = lint(service + route('{backendRefs: [{name: web, port: 8080}]}'));
    expect(findings.map((f) => `${f.code}:${f.path}`)).toEqual(['SRN1180:spec.rules[0].backendRefs[0].port']);
    expect(findings[0]?.message).toContain('has no port 8080 (it has 80)');
    // A mirror's backend too.
    expect(
      codes(
        service +
          route(
            '{backendRefs: [{name: web, port: 80}], filters: [{type: RequestMirror, requestMirror: {backendRef: {name: shadow, port: 80}}}]}',
          ),
      ),
    ).toEqual(['SRN1180:error:14']);
  });

  it('a rule whose weights are all 0, or that has no backend and no redirect, answers 500 (SRN1181)', () => {
    expect(codes(service + route('{backendRefs: [{name: web, port: 80, weight: 0}]}'))).toEqual([
      'SRN1181:error:14',
    ]);
    expect(codes(service + route('{matches: [{path: {value: /old}}]}'))).toEqual(['SRN1181:error:14']);
    expect(
      codes(
        service +
          route(
            '{filters: [{type: RequestRedirect, requestRedirect: {hostname: example.org, statusCode: 301}}]}',
          ),
      ),
    ).toEqual([]);
  });

  it('a route without parentRefs attaches to nothing (SRN1182)', () => {
    expect(codes(service + route('{backendRefs: [{name: web, port: 80}]}', ''))).toEqual([
      'SRN1182:warning:11',
    ]);
  });

  it('what the plan refuses is refused naming the field (SRN1006)', () => {
    const refused = (rule: string) => lint(service + route(rule)).map((f) => `${f.code}:${f.path}`);
    expect(refused('{backendRefs: [{name: web}]}')).toEqual(['SRN1006:spec.rules[0].backendRefs[0].port']);
    expect(
      refused('{backendRefs: [{name: web, port: 80, kind: ServiceImport, group: multicluster.x-k8s.io}]}'),
    ).toEqual(['SRN1006:spec.rules[0].backendRefs[0]']);
    expect(
      refused(
        '{matches: [{path: {type: Exact, value: /a}}], filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}}], backendRefs: [{name: web, port: 80}]}',
      ),
    ).toEqual(['SRN1006:spec.rules[0].matches']);
    expect(
      refused('{backendRefs: [{name: web, port: 80}], timeouts: {request: 1s, backendRequest: 2s}}'),
    ).toEqual(['SRN1006:spec.rules[0].timeouts.backendRequest']);
    expect(
      refused(
        '{backendRefs: [{name: web, port: 80}], filters: [{type: ExtensionRef, extensionRef: {group: x.io, kind: Auth, name: a}}]}',
      ),
    ).toEqual(['SRN1006:spec.rules[0].filters[0].extensionRef']);
  });

  it('a backend in another namespace needs a ReferenceGrant there (SRN1183)', () => {
    const other = service.replace('namespace: shop', 'namespace: data');
    const rule = '{backendRefs: [{name: web, namespace: data, port: 80}]}';
    expect(codes(other + route(rule))).toEqual(['SRN1183:warning:14']);
    const grant = `---\napiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: {name: shop-routes, namespace: data}\nspec:\n  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: shop}]\n  to: [{group: "", kind: Service}]\n`;
    expect(codes(other + route(rule) + grant)).toEqual([]);
  });
});
