import { explainRequest, type Explanation } from '../../routing/explain.js';
import { readManifests } from '../../routing/manifests.js';
import { formatTable, parseOutputFormat, printStructured } from '../output.js';
import { ExitCode, UsageError } from '../program.js';
import { readSources } from '../sources.js';

function keyValue(flag: string, value: string): [string, string] {
  const eq = value.indexOf('=');
  const colon = value.indexOf(':');
  const at = eq > 0 ? eq : colon;
  if (at <= 0) throw new UsageError(`${flag}: expected NAME=VALUE, got "${value}"`);
  return [value.slice(0, at).trim(), value.slice(at + 1).trim()];
}

function buildHeaders(headers: readonly string[], cookies: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of headers) {
    const [k, v] = keyValue('--header', h);
    const name = k.toLowerCase();
    // Repeated headers reach Envoy joined with a comma.
    out[name] = out[name] === undefined ? v : `${out[name]},${v}`;
  }
  if (cookies.length > 0) {
    const pairs = cookies.map((c) => keyValue('--cookie', c).join('='));
    out.cookie = [out.cookie, ...pairs].filter((x) => x !== undefined).join('; ');
  }
  return out;
}

function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new UsageError(`--port: expected a port number between 1 and 65535, got "${value}"`);
  return n;
}

function printExplanation(e: Explanation): void {
  const lines: string[] = [];
  lines.push(
    `REQUEST     ${e.request.method} ${e.request.host}${e.request.path} (gateway ${e.request.gateway})`,
  );
  lines.push(`RESULT      ${e.summary}`);
  if (e.virtualService) lines.push(`VIRTUALSVC  ${e.virtualService.name} (${e.virtualService.source})`);
  if (e.httpRoute && !e.virtualService)
    lines.push(`HTTPROUTE   ${e.httpRoute.namespace}/${e.httpRoute.name} (${e.httpRoute.source})`);
  if (e.rule) {
    const gatewayApi = e.httpRoute !== undefined && e.virtualService === undefined;
    const match =
      e.rule.matchIndex === undefined
        ? gatewayApi
          ? 'no matches (PathPrefix /)'
          : 'no match conditions (catch-all)'
        : `${gatewayApi ? 'matches' : 'match'}[${e.rule.matchIndex}]`;
    lines.push(
      `RULE        ${gatewayApi ? 'rules' : 'http'}[${e.rule.index}]${e.rule.name ? ` ${e.rule.name}` : ''}, ${match} (${e.rule.source})`,
    );
    const d = e.rule.delegate;
    if (d) lines.push(`DELEGATE    ${d.namespace}/${d.name} http[${d.index}] (${d.source})`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  if (e.destinations.length > 0) {
    process.stdout.write('\n');
    process.stdout.write(
      formatTable(
        ['destination', 'subset', 'port', 'weight', 'share', 'pods'],
        e.destinations.map((d) => [
          d.host,
          d.subset ?? '-',
          d.port === undefined ? '-' : String(d.port),
          d.weight === undefined ? '-' : String(d.weight),
          `${d.percent}%`,
          d.subsetLabels
            ? Object.entries(d.subsetLabels)
                .map(([k, v]) => `${k}=${v}`)
                .join(',')
            : '-',
        ]),
      ),
    );
  }
  const effects = effectLines(e);
  if (effects.length > 0) process.stdout.write('\n' + effects.join('\n') + '\n');
}

function effectLines(e: Explanation): string[] {
  const effects: string[] = [];
  for (const m of e.mirrors)
    effects.push(
      `mirror      ${m.percent}% copied to ${m.host}${m.subset ? `/${m.subset}` : ''} (responses ignored)`,
    );
  if (e.fault?.delay)
    effects.push(`fault       delay ${e.fault.delay.fixedDelay} for ${e.fault.delay.percent}% of requests`);
  if (e.fault?.abort)
    effects.push(
      `fault       abort with ${e.fault.abort.httpStatus ?? e.fault.abort.grpcStatus ?? '?'} for ${e.fault.abort.percent}% of requests`,
    );
  if (e.rewrite) effects.push(`rewrite     ${JSON.stringify(e.rewrite)}`);
  if (e.headers) effects.push(`headers     ${JSON.stringify(e.headers)}`);
  if (e.redirect) effects.push(`redirect    ${JSON.stringify(e.redirect)}`);
  if (e.directResponse) effects.push(`direct      ${JSON.stringify(e.directResponse)}`);
  if (e.timeout) effects.push(`timeout     ${e.timeout}`);
  if (e.retries) effects.push(`retries     ${JSON.stringify(e.retries)}`);
  for (const n of e.notes) effects.push(`note        ${n}`);
  return effects;
}

export interface ExplainOptions {
  filename: string[];
  host: string;
  path: string;
  method: string;
  header: string[];
  cookie: string[];
  gateway: string;
  scheme: 'http' | 'https';
  port?: string;
  sourceLabel: string[];
  sourceNamespace?: string;
  namespace: string;
  output?: string;
}

export function explain(opts: ExplainOptions): void {
  const format = parseOutputFormat(opts.output, ['text', 'json', 'yaml']);
  if (!opts.path.startsWith('/'))
    throw new UsageError(`--path: expected a path starting with /, got "${opts.path}"`);
  const set = readManifests(readSources(opts.filename));
  for (const p of set.problems) process.stderr.write(`${p.file}:${p.line}: ${p.message}\n`);
  const port = parsePort(opts.port);
  const sourceLabels = Object.fromEntries(opts.sourceLabel.map((l) => keyValue('--source-label', l)));
  const explanation = explainRequest(set, {
    authority: opts.host,
    path: opts.path,
    method: opts.method,
    scheme: opts.scheme,
    headers: buildHeaders(opts.header, opts.cookie),
    gateway: opts.gateway,
    defaultNamespace: opts.namespace,
    ...(port !== undefined ? { port } : {}),
    ...(opts.sourceLabel.length > 0 ? { sourceLabels } : {}),
    ...(opts.sourceNamespace !== undefined ? { sourceNamespace: opts.sourceNamespace } : {}),
  });
  if (format === 'json' || format === 'yaml') printStructured(explanation, format);
  else printExplanation(explanation);
  if (set.problems.length > 0) process.exitCode = ExitCode.failure;
}
