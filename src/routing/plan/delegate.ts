import type { HTTPMatchRequest, HTTPRoute, StringMatch } from '../istio/types.js';

/**
 * One level of VirtualService delegation, as pilot merges it (`MergeHTTPRoutes`): each rule of
 * the delegate becomes a rule of the root, in the root rule's place. The delegate's match blocks
 * must each narrow some root block (else the delegate rule is dropped, as pilot does with a
 * warning); fields the delegate rule leaves unset are taken from the root rule.
 */

/** Root fields a delegate rule inherits when it sets none of its own. */
const INHERITED = [
  'rewrite',
  'directResponse',
  'timeout',
  'retries',
  'fault',
  'mirror',
  'mirrorPercent',
  'mirrorPercentage',
  'corsPolicy',
  'mirrors',
  'headers',
] as const;

export type MergeResult = { merged: HTTPRoute } | { conflict: string };

export function mergeDelegateRule(root: HTTPRoute, leaf: HTTPRoute): MergeResult {
  const match = mergeMatches(root.match ?? [], leaf.match ?? []);
  if ('conflict' in match) return match;
  const { delegate: _delegate, ...rootRest } = root;
  const merged: HTTPRoute = { ...leaf };
  if (match.blocks.length > 0) merged.match = match.blocks;
  else delete merged.match;
  const name =
    leaf.name === undefined ? root.name : root.name === undefined ? leaf.name : `${root.name}-${leaf.name}`;
  if (name !== undefined) merged.name = name;
  for (const key of INHERITED) {
    if (merged[key] === undefined && rootRest[key] !== undefined)
      Object.assign(merged, { [key]: rootRest[key] });
  }
  return { merged };
}

function mergeMatches(
  root: readonly HTTPMatchRequest[],
  leaf: readonly HTTPMatchRequest[],
): { blocks: HTTPMatchRequest[] } | { conflict: string } {
  if (root.length === 0) return { blocks: [...leaf] };
  if (leaf.length === 0) return { blocks: [...root] };
  const out: HTTPMatchRequest[] = [];
  for (const [j, sub] of leaf.entries()) {
    const narrowed = root.filter((r) => !conflicts(r, sub)).map((r) => mergeBlock(r, sub));
    if (narrowed.length === 0)
      return { conflict: `match[${j}] narrows none of the root rule's match blocks` };
    out.push(...narrowed);
  }
  return { blocks: out };
}

function mergeBlock(root: HTTPMatchRequest, leaf: HTTPMatchRequest): HTTPMatchRequest {
  const out: HTTPMatchRequest = { ...leaf };
  const name =
    leaf.name === undefined ? root.name : root.name === undefined ? leaf.name : `${root.name}-${leaf.name}`;
  if (name !== undefined) out.name = name;
  for (const key of [
    'uri',
    'scheme',
    'method',
    'authority',
    'port',
    'sourceNamespace',
    'statPrefix',
  ] as const) {
    if (out[key] === undefined && root[key] !== undefined) Object.assign(out, { [key]: root[key] });
  }
  for (const key of ['headers', 'withoutHeaders', 'queryParams', 'sourceLabels'] as const) {
    if (root[key] !== undefined || leaf[key] !== undefined)
      Object.assign(out, { [key]: { ...root[key], ...leaf[key] } });
  }
  if ((out.gateways?.length ?? 0) === 0 && root.gateways !== undefined) out.gateways = root.gateways;
  return out;
}

/** pilot `hasConflict`: the leaf block asks for something the root block excludes. */
function conflicts(root: HTTPMatchRequest, leaf: HTTPMatchRequest): boolean {
  return valueConflicts(root, leaf) || sourceConflicts(root, leaf);
}

function valueConflicts(root: HTTPMatchRequest, leaf: HTTPMatchRequest): boolean {
  for (const key of ['uri', 'scheme', 'method', 'authority'] as const) {
    if (stringMatchConflict(root[key], leaf[key])) return true;
  }
  for (const key of ['headers', 'withoutHeaders', 'queryParams'] as const) {
    for (const [name, m] of Object.entries(leaf[key] ?? {})) {
      if (stringMatchConflict(root[key]?.[name], m)) return true;
    }
  }
  if ((root.ignoreUriCase ?? false) !== (leaf.ignoreUriCase ?? false)) return true;
  return root.port !== undefined && leaf.port !== undefined && root.port !== leaf.port;
}

/** The leaf may narrow the root's callers and gateways, never widen or contradict them. */
function sourceConflicts(root: HTTPMatchRequest, leaf: HTTPMatchRequest): boolean {
  const rootNs = root.sourceNamespace ?? '';
  if (rootNs !== '' && leaf.sourceNamespace !== rootNs) return true;
  for (const [k, v] of Object.entries(leaf.sourceLabels ?? {})) {
    const rv = root.sourceLabels?.[k];
    if (rv !== undefined && rv !== v) return true;
  }
  const rg = root.gateways ?? [];
  const lg = leaf.gateways ?? [];
  return rg.length > 0 && lg.length > 0 && !lg.every((g) => rg.includes(g));
}

function stringMatchConflict(root: StringMatch | undefined, leaf: StringMatch | undefined): boolean {
  if (root === undefined || leaf === undefined) return false;
  const set = (m: StringMatch) => [m.exact, m.prefix, m.regex].some((v) => v !== undefined && v !== '');
  // A regex on either side cannot be proven to narrow the other.
  if (root.regex !== undefined && root.regex !== '' && set(leaf)) return true;
  if (leaf.regex !== undefined && leaf.regex !== '' && set(root)) return true;
  if (root.exact !== undefined && root.exact !== '') {
    return (leaf.prefix !== undefined && leaf.prefix !== '') || leaf.exact !== root.exact;
  }
  if (root.prefix !== undefined && root.prefix !== '') {
    if (leaf.prefix !== undefined && leaf.prefix !== '') return !leaf.prefix.startsWith(root.prefix);
    if (leaf.exact !== undefined && leaf.exact !== '') return !leaf.exact.startsWith(root.prefix);
  }
  return true;
}
