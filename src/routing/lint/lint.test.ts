import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifests } from '../manifests.js';
import { lintManifests } from './index.js';
import { CHECKS } from './codes.js';

const lint = (text: string) => lintManifests(readManifests([{ name: 'set.yaml', text }]));
const codes = (text: string) => lint(text).map((f) => `${f.code}:${f.severity}:${f.line}`);

/** A complete, correct manual canary: every check must stay silent on it. */
const clean = `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-v1, namespace: shop}
spec:
  selector: {matchLabels: {app: web, version: v1}}
  template:
    metadata: {labels: {app: web, version: v1}}
    spec:
      containers:
      - name: web
        image: web:1
        readinessProbe: {httpGet: {path: /, port: 8080}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-v2, namespace: shop}
spec:
  selector: {matchLabels: {app: web, version: v2}}
  template:
    metadata: {labels: {app: web, version: v2}}
    spec:
      containers:
      - name: web
        image: web:2
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*.example.com"]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web, namespace: shop}
spec:
  host: web
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [web, shop.example.com]
  gateways: [mesh, public]
  http:
  - match: [{headers: {user-agent: {regex: ".*Chrome.*"}}}]
    route: [{destination: {host: web, subset: v2}}]
  - route:
    - {destination: {host: web, subset: v1}, weight: 90}
    - {destination: {host: web, subset: v2}, weight: 10}
`;

describe('serin lint', () => {
  it('is silent on a correct set', () => {
    expect(lint(clean)).toEqual([]);
  });

  it('subset missing from the DestinationRule (SRN1101) points at the subset line', () => {
    const f = lint(clean.replace('subset: v2}, weight: 10', 'subset: v3}, weight: 10'));
    expect(f.map((x) => [x.code, x.severity, x.line, x.path])).toEqual([
      ['SRN1101', 'error', 66, 'spec.http[1].route[1].destination.subset'],
    ]);
    expect(f[0]!.message).toContain('"v3" is not defined in DestinationRule web');
    expect(f[0]!.hint).toBe(CHECKS.SRN1101.hint);
  });

  it('subset labels that select no pods (SRN1201) and a Service selector that excludes them (SRN1303)', () => {
    expect(
      codes(clean.replace('{name: v2, labels: {version: v2}}', '{name: v2, labels: {version: v-two}}')),
    ).toEqual(['SRN1201:error:53']);
    expect(codes(clean.replace('selector: {app: web}', 'selector: {app: web, version: v1}'))).toEqual([
      'SRN1303:error:53',
    ]);
  });

  it('Service selecting nothing (SRN1301) and a port without protocol (SRN1302)', () => {
    const text = clean
      .replace('selector: {app: web}', 'selector: {app: webb}')
      .replace('name: http, port: 80', 'name: web, port: 80');
    expect(codes(text)).toContain('SRN1301:error:34');
    expect(codes(text)).toContain('SRN1302:warning:35');
  });

  it('gateway not in the set (SRN1150) and host the gateway does not serve (SRN1151)', () => {
    expect(codes(clean.replace('gateways: [mesh, public]', 'gateways: [mesh, pubic]'))).toEqual([
      'SRN1150:error:60',
    ]);
    expect(codes(clean.replace('hosts: [web, shop.example.com]', 'hosts: [web, shop.example.org]'))).toEqual([
      'SRN1151:warning:59',
    ]);
  });

  it('gateway-only VirtualService for an in-mesh Service (SRN1152)', () => {
    expect(
      codes(
        clean
          .replace('gateways: [mesh, public]', 'gateways: [public]')
          .replace('hosts: [web, shop.example.com]', 'hosts: [shop.example.com, web]'),
      ),
    ).toContain('SRN1152:warning:60');
  });

  it('weights: negative, fractional, all zero, not summing to 100', () => {
    expect(codes(clean.replace('weight: 90}', 'weight: -90}'))).toEqual([
      // SRN1113 points at the route list whose weights do not add up, SRN1110 at the weight.
      'SRN1113:warning:64',
      'SRN1110:error:65',
    ]);
    expect(
      codes(clean.replace('weight: 90}', 'weight: 89.5}').replace('weight: 10}', 'weight: 10.5}')),
    ).toEqual(['SRN1111:error:65', 'SRN1111:error:66']);
    expect(codes(clean.replace('weight: 90}', 'weight: 0}').replace('weight: 10}', 'weight: 0}'))).toEqual([
      'SRN1112:error:64', // the route list, all of whose weights are 0
    ]);
    expect(codes(clean.replace('weight: 90}', 'weight: 80}'))).toEqual(['SRN1113:warning:64']);
  });

  it('unreachable rules (SRN1120) and covered matches (SRN1121)', () => {
    const after =
      clean + `  - match: [{uri: {prefix: /api}}]\n    route: [{destination: {host: web, subset: v1}}]\n`;
    expect(codes(after)).toEqual(['SRN1120:warning:67']);
    const dup = clean.replace(
      '  - route:\n',
      '  - match: [{headers: {user-agent: {regex: ".*Chrome.*"}}}, {uri: {prefix: /api}}]\n    route: [{destination: {host: web, subset: v1}}]\n  - match: [{uri: {prefix: /api/v2}}]\n    route: [{destination: {host: web, subset: v1}}]\n  - route:\n',
    );
    expect(codes(dup)).toEqual(['SRN1121:info:64', 'SRN1120:warning:66']);
  });

  it('regex that RE2 rejects (SRN1130), ambiguous string match (SRN1131), upper-case header (SRN1132)', () => {
    expect(codes(clean.replace('regex: ".*Chrome.*"', 'regex: "(?!Firefox).*"'))).toEqual([
      'SRN1130:error:62',
    ]);
    expect(lint(clean.replace('regex: ".*Chrome.*"', 'regex: "(?!Firefox).*"'))[0]!.message).toContain(
      'invalid or unsupported Perl syntax',
    );
    expect(codes(clean.replace('{regex: ".*Chrome.*"}', '{regex: ".*Chrome.*", exact: x}'))).toEqual([
      'SRN1131:error:62',
    ]);
    expect(codes(clean.replace('user-agent:', 'User-Agent:'))).toEqual(['SRN1132:warning:62']);
  });

  it('several ports and no destination port on a gateway route (SRN1140)', () => {
    const text = clean
      .replace(
        'ports: [{name: http, port: 80, targetPort: 8080}]',
        'ports: [{name: http, port: 80}, {name: http-metrics, port: 9090}]',
      )
      .replace('gateways: [mesh, public]', 'gateways: [public]')
      .replace('hosts: [web, shop.example.com]', 'hosts: [shop.example.com]');
    expect(codes(text).filter((c) => c.startsWith('SRN1140'))).toHaveLength(3);
  });

  it('two mesh VirtualServices for one host (SRN1160)', () => {
    const second = `---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: web-2, namespace: shop}\nspec:\n  hosts: [web.shop.svc.cluster.local]\n  http:\n  - route: [{destination: {host: web, subset: v1}}]\n`;
    expect(codes(clean + second)).toEqual(['SRN1160:error:72']);
  });

  it('sidecars: namespace without injection (SRN1501) and an opted-out pod template (SRN1502)', () => {
    expect(codes(clean.replace('labels: {istio-injection: enabled}', 'labels: {team: shop}'))).toEqual([
      'SRN1501:warning:3',
    ]);
    const optOut = clean.replace(
      'metadata: {labels: {app: web, version: v2}}',
      'metadata: {labels: {app: web, version: v2}, annotations: {sidecar.istio.io/inject: "false"}}',
    );
    expect(codes(optOut)).toEqual(['SRN1502:warning:24']);
  });

  it('Canary references: target, readiness probe, autoscaler, templates, alert providers', () => {
    const canary = (target: string) => `---
apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: web, namespace: shop}
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: ${target}}
  autoscalerRef: {apiVersion: autoscaling/v2, kind: HorizontalPodAutoscaler, name: web}
  service: {port: 80}
  analysis:
    interval: 1m
    stepWeight: 10
    metrics:
    - {name: latency, templateRef: {name: latency, namespace: istio-system}, thresholdRange: {max: 500}, interval: 1m}
    alerts:
    - {name: on-call, providerRef: {name: slack}}
`;
    expect(codes(clean + canary('web-v2'))).toEqual([
      'SRN1601:error:26',
      'SRN1603:error:73',
      'SRN1604:error:79',
      'SRN1605:error:81',
    ]);
    // Named like the hand-written VirtualService "web": owned mode would replace its rules.
    expect(codes(clean + canary('web'))).toEqual([
      'SRN1602:error:72',
      'SRN1603:error:73',
      'SRN1607:warning:74',
      'SRN1604:error:79',
      'SRN1605:error:81',
    ]);
    // A canary target in a namespace without injection is an error: its metrics would not exist.
    expect(
      codes(clean.replace('istio-injection: enabled', 'istio-injection: disabled') + canary('web-v1')),
    ).toContain('SRN1501:error:3');
  });

  it('invalid resources and unreadable documents', () => {
    // yaml's own position for it (prettyErrors): the unclosed sequence ends at line 2.
    expect(codes('a: [\n')).toEqual(['SRN1001:error:2']);
    expect(
      codes(
        'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: x}\nspec:\n  http: {}\n',
      ),
    ).toEqual(['SRN1003:error:5']);
    expect(
      codes(
        'apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: x}\nspec:\n  targetRef: {name: x}\n  service: {port: 99999}\n',
      ),
    ).toContain('SRN1002:error:6');
  });

  it('actions, mirrors and faults (SRN1170–SRN1173)', () => {
    const vs = (rule: string) =>
      `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: x}\nspec:\n  hosts: [x]\n  http:\n  - ${rule}\n`;
    expect(codes(vs('{name: nothing}'))).toEqual(['SRN1172:error:7']);
    expect(codes(vs('{redirect: {uri: /b}, route: [{destination: {host: x}}]}'))).toEqual([
      'SRN1173:error:7',
    ]);
    expect(
      codes(
        vs('{route: [{destination: {host: x}}], mirror: {host: y}, mirrors: [{destination: {host: z}}]}'),
      ),
    ).toEqual(['SRN1170:error:7']);
    expect(
      codes(vs('{route: [{destination: {host: x}}], mirror: {host: y}, mirrorPercentage: {value: 150}}')),
    ).toEqual(['SRN1170:error:7']);
    expect(codes(vs('{route: [{destination: {host: x}}], fault: {abort: {httpStatus: 500}}}'))).toEqual([
      'SRN1171:warning:7',
    ]);
    expect(
      codes(
        vs('{route: [{destination: {host: x}}], fault: {delay: {fixedDelay: 1s, percentage: {value: 101}}}}'),
      ),
    ).toEqual(['SRN1171:error:7']);
  });

  it('DestinationRule host without a Service (SRN1202), duplicate subsets (SRN1203), target selector (SRN1606)', () => {
    expect(codes(clean.replace('  host: web\n', '  host: wbe\n'))).toContain('SRN1202:warning:50');
    expect(
      codes(clean.replace('{name: v2, labels: {version: v2}}', '{name: v1, labels: {version: v2}}')),
    ).toContain('SRN1203:error:53');
    const canary = `---\napiVersion: serin.dev/v1beta1\nkind: Canary\nmetadata: {name: web, namespace: shop}\nspec:\n  targetRef: {name: web-v1}\n  service: {port: 80}\n`;
    const noAppLabel = clean.replace(
      'selector: {matchLabels: {app: web, version: v1}}',
      'selector: {matchLabels: {role: web, version: v1}}',
    );
    expect(codes(noAppLabel + canary)).toContain('SRN1606:error:9');
  });

  it('a Canary in owned mode next to a hand-written VirtualService of the same name (SRN1607)', () => {
    const canary = (routing: string) =>
      `---\napiVersion: serin.dev/v1beta1\nkind: Canary\nmetadata: {name: web, namespace: shop}\nspec:\n  targetRef: {name: web-v1}\n  service: {port: 80, name: web${routing}}\n  analysis: {stepWeight: 10}\n`;
    expect(codes(clean + canary(''))).toEqual(['SRN1607:warning:73']);
    expect(codes(clean + canary(', routing: merge'))).toEqual([]);
  });

  it('honours serin.dev/lint-ignore on the object', () => {
    const ignored = clean
      .replace('weight: 90}', 'weight: 80}')
      .replace(
        'metadata: {name: web, namespace: shop}\nspec:\n  hosts',
        'metadata: {name: web, namespace: shop, annotations: {serin.dev/lint-ignore: "SRN1113"}}\nspec:\n  hosts',
      );
    expect(codes(ignored)).toEqual([]);
  });
});

describe('the seeds', () => {
  const seedsDir = join(import.meta.dirname, '..', '..', '..', 'examples', 'seeds');
  const lintDir = (name: string) => {
    const dir = join(seedsDir, name);
    const sources = readdirSync(dir)
      .sort()
      .map((f) => ({ name: `${name}/${f}`, text: readFileSync(join(dir, f), 'utf8') }));
    return lintManifests(readManifests(sources)).map((f) => `${f.file}:${f.line} ${f.code} ${f.severity}`);
  };

  it('report only what is really wrong in them', () => {
    // 90/10 split through a gateway that is not part of the example.
    expect(lintDir('my-app-split')).toEqual(['my-app-split/01.yaml:10 SRN1150 warning']);
    // The Canary targets "next-deployment" but the Deployments are next-deployment-v1/-v2.
    expect(lintDir('next-site')).toEqual(['next-site/12.yaml:11 SRN1602 error']);
    // The Bookinfo subsets are defined in a file the example applies but does not show.
    expect(lintDir('bookinfo-reviews')).toEqual(['bookinfo-reviews/00.yaml:15 SRN1102 warning']);
    // podinfo is not in the example.
    expect(lintDir('flagger-podinfo')).toEqual(['flagger-podinfo/00.yaml:11 SRN1602 error']);
    // my-app is an in-mesh Service but the VirtualService is bound only to an absent gateway.
    expect(lintDir('my-app-blog')).toEqual([
      'my-app-blog/03.yaml:9 SRN1152 warning',
      'my-app-blog/03.yaml:10 SRN1150 warning',
    ]);
  });
});

describe('Bookinfo (the shape of Istio samples/bookinfo: platform/kube/bookinfo.yaml + networking/destination-rule-all.yaml)', () => {
  // Every Service with its Deployments (one per version that ships), and the sample's
  // DestinationRules, which also name versions that are not deployed (ratings v2, v2-mysql,
  // v2-mysql-vm; details v2): Istio accepts such subsets, they only matter when traffic goes there.
  const deployed: Record<string, string[]> = {
    details: ['v1'],
    ratings: ['v1'],
    reviews: ['v1', 'v2', 'v3'],
    productpage: ['v1'],
  };
  const subsets: Record<string, string[]> = {
    productpage: ['v1'],
    reviews: ['v1', 'v2', 'v3'],
    ratings: ['v1', 'v2', 'v2-mysql', 'v2-mysql-vm'],
    details: ['v1', 'v2'],
  };
  const docs = Object.entries(deployed).flatMap(([app, versions]) => [
    `apiVersion: v1\nkind: Service\nmetadata: {name: ${app}, labels: {app: ${app}, service: ${app}}}\nspec:\n  ports: [{port: 9080, name: http}]\n  selector: {app: ${app}}\n`,
    ...versions.map(
      (v) =>
        `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${app}-${v}, labels: {app: ${app}, version: ${v}}}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: ${app}, version: ${v}}}\n  template:\n    metadata: {labels: {app: ${app}, version: ${v}}}\n    spec:\n      containers: [{name: ${app}, image: "docker.io/istio/examples-bookinfo-${app}-${v}:1.20.2", ports: [{containerPort: 9080}]}]\n`,
    ),
  ]);
  const rules = Object.entries(subsets).map(
    ([app, names]) =>
      `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: ${app}}\nspec:\n  host: ${app}\n  subsets:\n${names.map((n) => `  - {name: ${n}, labels: {version: ${n}}}`).join('\n')}\n`,
  );
  const bookinfo = [...docs, ...rules].join('---\n');

  it('lints clean: subsets nothing routes to may select no pods', () => {
    expect(lint(bookinfo)).toEqual([]);
  });

  it('is an error once traffic is routed to a subset that selects nothing', () => {
    const toRatingsV2 =
      '---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: ratings}\nspec:\n  hosts: [ratings]\n  http:\n  - route: [{destination: {host: ratings, subset: v2}}]\n';
    const findings = lint(bookinfo + toRatingsV2);
    expect(findings.map((f) => [f.code, f.severity, f.name])).toEqual([['SRN1201', 'error', 'ratings']]);
    expect(findings[0]!.message).toContain('subset v2 receives traffic');
  });
});

describe('exportTo', () => {
  const vs = (ns: string, exportTo: string) =>
    `---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: web-${ns}, namespace: ${ns}}\nspec:\n  hosts: [web.shop.svc.cluster.local]\n  exportTo: ${exportTo}\n  http:\n  - route: [{destination: {host: web.shop.svc.cluster.local}}]\n`;

  it('SRN1160 only when both VirtualServices are visible in one namespace', () => {
    expect(codes(vs('team-a', '["."]') + vs('team-b', '["."]'))).toEqual([]);
    expect(codes(vs('team-a', '["."]') + vs('team-b', '["team-a"]'))).toEqual(['SRN1160:error:15']);
    expect(codes(vs('team-a', '["*"]') + vs('team-b', '["."]'))).toEqual(['SRN1160:error:15']);
  });

  it('a DestinationRule exported elsewhere does not define subsets for this namespace', () => {
    const dr = (exportTo: string) =>
      `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: web, namespace: shop}\nspec:\n  host: web.shop.svc.cluster.local\n  exportTo: ${exportTo}\n  subsets: [{name: v1, labels: {version: v1}}]\n`;
    const route = `---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: web, namespace: front}\nspec:\n  hosts: [web.shop.svc.cluster.local]\n  http:\n  - route: [{destination: {host: web.shop.svc.cluster.local, subset: v1}}]\n`;
    expect(codes(dr('["*"]') + route)).toEqual([]);
    expect(codes(dr('["."]') + route)).toEqual(['SRN1102:warning:15']);
  });
});

describe('Gateway API HTTPRoutes', () => {
  const route = (rule: string) =>
    `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web, namespace: shop}\nspec:\n  parentRefs: [{name: public}]\n  hostnames: [shop.example.com]\n  rules:\n  - ${rule}\n`;

  it('reads the standard channel: a correct route is clean', () => {
    const ok = route(
      '{matches: [{path: {type: PathPrefix, value: /api}, headers: [{name: x-user, value: jason}]}], filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}}], backendRefs: [{name: web-v1, port: 80, weight: 90}, {name: web-v2, port: 80, weight: 10}], timeouts: {request: 10s}}',
    );
    expect(lint(ok)).toEqual([]);
  });

  it('refuses unknown fields (with the one meant), bad enums and out-of-range values, naming the path', () => {
    const typo = lint(
      route('{matchs: [{path: {type: PathPrefix, value: /}}], backendRefs: [{name: web, port: 80}]}'),
    );
    expect(typo.map((f) => [f.code, f.severity, f.path])).toEqual([
      ['SRN1005', 'error', 'spec.rules[0].matchs'],
    ]);
    expect(typo[0]!.message).toContain('did you mean matches?');
    expect(
      codes(route('{matches: [{path: {type: Prefix, value: /}}], backendRefs: [{name: web, port: 80}]}')),
    ).toEqual(['SRN1005:error:8']);
    expect(codes(route('{backendRefs: [{name: web, port: 80, weight: -1}]}'))).toEqual(['SRN1005:error:8']);
    // retry is an experimental-channel field: a standard-channel cluster prunes it.
    expect(codes(route('{backendRefs: [{name: web, port: 80}], retry: {attempts: 2}}'))).toEqual([
      'SRN1005:error:8',
    ]);
  });
});
