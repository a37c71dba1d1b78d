import { randomInt } from 'node:crypto';
import { toYamlDocuments } from '../../api/yaml.js';
import { PHASES, type Canary, type Phase } from '../../api/canary.js';
import { canaryCapabilities, capabilityOptionsFor } from '../../api/capabilities.js';
import { validateDocument } from '../../api/documents.js';
import type { VirtualService } from '../../routing/istio/types.js';
import { readManifests, type Manifest } from '../../routing/manifests.js';
import { analysisOf, serviceNames } from '../../routing/names.js';
import { renderCanaryObjects, providerOf, type RoutingProvider } from '../../routing/render/index.js';
import type { KubeObject as RenderedObject, TargetWorkload } from '../../routing/render/kubernetes.js';
import { planForPhase, type TrafficPlan } from '../../routing/render/plan.js';
import { parseMatchFlag, renderSplit } from '../../routing/render/split.js';
import { ExitCode, UsageError } from '../program.js';
import { readSources } from '../sources.js';

function print(objects: readonly unknown[], format: string): void {
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`);
    return;
  }
  process.stdout.write(toYamlDocuments(objects));
}

function outputFormat(value: string): 'yaml' | 'json' {
  if (value !== 'yaml' && value !== 'json')
    throw new UsageError(`-o/--output: expected yaml or json, got "${value}"`);
  return value;
}

function parseWeight(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 100)
    throw new UsageError(`--weight: expected a whole number between 0 and 100, got "${value}"`);
  return n;
}

function parsePhase(value: string | undefined): Phase | undefined {
  if (value === undefined) return undefined;
  const phase = PHASES.find((p) => p.toLowerCase() === value.toLowerCase());
  if (!phase) throw new UsageError(`--phase: expected one of ${PHASES.join(', ')}, got "${value}"`);
  return phase;
}

function randomCookieValue(): string {
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  return Array.from({ length: 10 }, () => letters[randomInt(letters.length)]).join('');
}

function findCanary(
  manifests: readonly Manifest[],
  name: string | undefined,
  provider: RoutingProvider | undefined,
): Canary {
  const canaries = manifests.filter((m) => m.kind === 'Canary' && (name === undefined || m.name === name));
  if (canaries.length === 0)
    throw new UsageError(
      name ? `no Canary named ${name} in the given files` : 'no Canary in the given files (-f)',
    );
  if (canaries.length > 1)
    throw new UsageError(
      `several Canaries (${canaries.map((c) => c.name).join(', ')}): choose one with --name`,
    );
  const m = canaries[0] as Manifest;
  const parsed = validateDocument(m.raw, m.index, m.line);
  const capabilities = canaryCapabilities(m.raw, {
    ...capabilityOptionsFor(manifests.map((x) => x.raw)),
    ...(provider !== undefined ? { defaultProvider: provider, defaultProviderExplicit: true } : {}),
  });
  const errors = [...parsed.diagnostics, ...capabilities].filter((d) => d.severity === 'error');
  if (errors.length > 0 || parsed.value === undefined) {
    const lines = errors.map((d) => `${m.file}:${m.line}: ${d.path}: ${d.message}`).join('\n');
    throw new Error(`Canary ${m.name} is invalid:\n${lines}`);
  }
  return parsed.value as Canary;
}

function planFor(canary: Canary, opts: { weight?: string; phase?: string; mirror?: boolean }): TrafficPlan {
  const weight = parseWeight(opts.weight);
  const phase = parsePhase(opts.phase) ?? (weight !== undefined ? 'Progressing' : 'Initialized');
  const plan = planForPhase(canary, phase, weight);
  if (opts.mirror === true) plan.mirrored = true;
  const sa = analysisOf(canary)?.sessionAffinity;
  if (sa && plan.canaryWeight > 0 && canary.status?.sessionAffinityCookie === undefined) {
    plan.cookies = {
      canary: `${sa.cookieName}=${randomCookieValue()}`,
      ...(sa.primaryCookieName ? { primary: `${sa.primaryCookieName}=${randomCookieValue()}` } : {}),
    };
  }
  return plan;
}

function generateForCanary(opts: GenerateOptions): void {
  const format = outputFormat(opts.output);
  const set = readManifests(readSources([...opts.filename, ...(opts.target ? [opts.target] : [])]));
  if (set.problems.length > 0) {
    throw new Error(set.problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n'));
  }
  const canary = findCanary(set.manifests, opts.name, opts.provider);
  const ns = canary.metadata.namespace;
  const sameNs = (m: Manifest) => ns === undefined || m.namespace === undefined || m.namespace === ns;
  const target = set.manifests.find(
    (m) => m.kind === canary.spec.targetRef.kind && m.name === canary.spec.targetRef.name && sameNs(m),
  );
  const apex = serviceNames(canary).apex;
  // Istio's only: App Mesh has a VirtualService kind too.
  const userVs = set.manifests.find(
    (m) =>
      m.kind === 'VirtualService' &&
      m.apiVersion.startsWith('networking.istio.io/') &&
      m.name === apex &&
      sameNs(m),
  );
  const objects = renderCanaryObjects(canary, {
    plan: planFor(canary, opts),
    // As the controller: `spec.provider` wins, the flag is the default (Flagger's -mesh-provider).
    provider: providerOf(canary, opts.provider),
    ...(target
      ? { target: target.raw as unknown as TargetWorkload & { apiVersion: string; kind: string } }
      : {}),
    ...(userVs ? { userVirtualService: userVs.raw as unknown as VirtualService } : {}),
    // The user's objects a provider reads (Gloo's upstreamRef Upstream, ...), from the same files.
    // The Canary's namespace first: a lookup without a namespace finds the user's object there.
    inputs: [...set.manifests.filter(sameNs), ...set.manifests.filter((m) => !sameNs(m))].map(
      (m) => m.raw as unknown as RenderedObject,
    ),
  });
  print(objects, format);
}

function parseSubset(value: string): { name: string; weight: number } {
  const eq = value.lastIndexOf('=');
  if (eq <= 0) throw new UsageError(`--subset: expected NAME=WEIGHT, got "${value}"`);
  const weight = Number(value.slice(eq + 1));
  return { name: value.slice(0, eq), weight };
}

export interface SplitOptions {
  service: string;
  subset: string[];
  match: string[];
  gateway: string[];
  host: string[];
  port?: string;
  label: string;
  namespace?: string;
  output: string;
}

export function split(opts: SplitOptions): void {
  const format = outputFormat(opts.output);
  let port: number | undefined;
  if (opts.port !== undefined) {
    port = Number(opts.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new UsageError(`--port: expected a port number, got "${opts.port}"`);
  }
  try {
    const objects = renderSplit({
      service: opts.service,
      subsets: opts.subset.map(parseSubset),
      matches: opts.match.map(parseMatchFlag),
      gateways: opts.gateway,
      hosts: opts.host,
      label: opts.label,
      ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
      ...(port !== undefined ? { port } : {}),
    });
    print(objects, format);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

export interface GenerateOptions {
  filename: string[];
  target?: string;
  name?: string;
  provider?: RoutingProvider;
  weight?: string;
  phase?: string;
  mirror?: boolean;
  output: string;
}

export function generate(opts: GenerateOptions): void {
  if (opts.filename.length === 0) throw new UsageError('expected -f CANARY.yaml (or the split subcommand)');
  generateForCanary({
    filename: opts.filename,
    output: opts.output,
    ...(opts.target !== undefined ? { target: opts.target } : {}),
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    ...(opts.provider !== undefined ? { provider: opts.provider } : {}),
    ...(opts.weight !== undefined ? { weight: opts.weight } : {}),
    ...(opts.phase !== undefined ? { phase: opts.phase } : {}),
    ...(opts.mirror !== undefined ? { mirror: opts.mirror } : {}),
  });
  process.exitCode = ExitCode.ok;
}
