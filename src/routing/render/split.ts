import type { DestinationRule, HTTPMatchRequest, HTTPRoute, VirtualService } from '../istio/types.js';
import { escapeRe2, ISTIO_API_VERSION } from './istio.js';

/**
 * The manual flow without a controller: one DestinationRule with a subset per version and one
 * VirtualService that splits traffic between them, optionally with match rules in front.
 */
export interface SplitOptions {
  service: string;
  namespace?: string;
  /** Subset name → weight, in order. Weights are whole numbers summing to 100. */
  subsets: { name: string; weight: number }[];
  /** Pod label that tells versions apart; `version` by default (Istio's convention). */
  label?: string;
  hosts?: string[];
  gateways?: string[];
  port?: number;
  matches?: { match: HTTPMatchRequest; subset: string }[];
}

/**
 * Parses `--match` values: `<what><op><value>=<subset>` where what is `uri`, `header:NAME`,
 * `query:NAME` or `cookie:NAME`, and op is `=` (exact), `^` (prefix) or `~` (RE2 regex).
 * Example: `header:user-agent~.*Chrome.*=v2`.
 */
export function parseMatchFlag(flag: string): { match: HTTPMatchRequest; subset: string } {
  const fail = (why: string): never => {
    throw new Error(
      `--match ${JSON.stringify(flag)}: ${why}; expected e.g. header:user-agent~.*Chrome.*=v2, uri^/api=v2, query:beta=1=v2 or cookie:user=test=v2`,
    );
  };
  const last = flag.lastIndexOf('=');
  if (last <= 0 || last === flag.length - 1) fail('missing =SUBSET at the end');
  const subset = flag.slice(last + 1);
  const lhs = flag.slice(0, last);
  const m = /^(uri|header:[^=~^]+|query:[^=~^]+|cookie:[^=~^]+)([=~^])(.*)$/.exec(lhs);
  if (!m) return fail('cannot read the condition');
  const [, what = '', op = '', value = ''] = m;
  const sm = op === '=' ? { exact: value } : op === '^' ? { prefix: value } : { regex: value };
  if (what === 'uri') return { match: { uri: sm }, subset };
  const [kind, name = ''] = what.split(':');
  if (kind === 'header') return { match: { headers: { [name.toLowerCase()]: sm } }, subset };
  if (kind === 'query') return { match: { queryParams: { [name]: sm } }, subset };
  if (op !== '=') fail('cookie conditions take a value with =');
  return {
    match: { headers: { cookie: { regex: `^(.*?;\\s*)?${escapeRe2(name)}=${escapeRe2(value)}(;.*)?$` } } },
    subset,
  };
}

function validateSplit(o: SplitOptions): void {
  if (o.subsets.length === 0) throw new Error('--subset: give at least one NAME=WEIGHT');
  const names = new Set<string>();
  for (const s of o.subsets) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s.name))
      throw new Error(`--subset ${s.name}: a subset name is a DNS label (lower case letters, digits, -)`);
    if (names.has(s.name)) throw new Error(`--subset ${s.name}: given twice`);
    names.add(s.name);
    if (!Number.isInteger(s.weight) || s.weight < 0 || s.weight > 100)
      throw new Error(
        `--subset ${s.name}: expected a whole-number weight between 0 and 100, got ${s.weight}`,
      );
  }
  const total = o.subsets.reduce((sum, s) => sum + s.weight, 0);
  if (total !== 100) throw new Error(`--subset: weights must sum to 100, got ${total}`);
  for (const m of o.matches ?? []) {
    if (!names.has(m.subset))
      throw new Error(
        `--match: subset ${m.subset} is not one of the --subset names (${[...names].join(', ')})`,
      );
  }
}

export function renderSplit(o: SplitOptions): [DestinationRule, VirtualService] {
  validateSplit(o);
  const label = o.label ?? 'version';
  const meta = { name: o.service, ...(o.namespace !== undefined ? { namespace: o.namespace } : {}) };
  const destination = (subset: string) => ({
    host: o.service,
    subset,
    ...(o.port !== undefined ? { port: { number: o.port } } : {}),
  });
  const hosts = o.hosts && o.hosts.length > 0 ? o.hosts : [o.service];
  const gateways = [...(o.gateways ?? [])];
  // Calls inside the mesh use the Service name: keep them under the same rules as gateway traffic.
  if (gateways.length > 0 && hosts.includes(o.service) && !gateways.includes('mesh')) gateways.push('mesh');
  const rules: HTTPRoute[] = (o.matches ?? []).map((m) => ({
    match: [m.match],
    route: [{ destination: destination(m.subset) }],
  }));
  const weighted = o.subsets.filter((s) => s.weight > 0 || o.subsets.length > 1);
  rules.push({ route: weighted.map((s) => ({ destination: destination(s.name), weight: s.weight })) });
  return [
    {
      apiVersion: ISTIO_API_VERSION,
      kind: 'DestinationRule',
      metadata: meta,
      spec: {
        host: o.service,
        subsets: o.subsets.map((s) => ({ name: s.name, labels: { [label]: s.name } })),
      },
    },
    {
      apiVersion: ISTIO_API_VERSION,
      kind: 'VirtualService',
      metadata: meta,
      spec: { hosts, ...(gateways.length > 0 ? { gateways } : {}), http: rules },
    },
  ];
}
