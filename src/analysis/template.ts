/**
 * Flagger's query templates are Go `text/template` with function-style variables: `{{ namespace }}`,
 * `{{ variables.reporter }}` (not `{{ .namespace }}`). Serin renders exactly that subset, with
 * Go's `missingkey=error`: an unknown name is an error naming it, never an empty string.
 */
import type { Canary, CanaryMetric } from '../api/canary.js';

export class TemplateError extends Error {}

export interface TemplateScope {
  values: Record<string, string>;
  variables: Record<string, string>;
}

const ACTION = /\{\{(-?)\s*([^{}]*?)\s*(-?)\}\}/g;
const NAME = /^(?:variables\.)?[A-Za-z_][\w-]*$/;

function lookup(expression: string, scope: TemplateScope): string {
  if (!NAME.test(expression)) {
    throw new TemplateError(
      `unsupported template expression "{{ ${expression} }}": expected a variable such as {{ namespace }} or {{ variables.key }}`,
    );
  }
  if (expression.startsWith('variables.')) {
    const key = expression.slice('variables.'.length);
    const value = scope.variables[key];
    if (value === undefined) {
      const known = Object.keys(scope.variables);
      throw new TemplateError(
        `template variable "${key}" is not set in templateVariables${known.length > 0 ? ` (set: ${known.join(', ')})` : ''}`,
      );
    }
    return value;
  }
  const value = scope.values[expression];
  if (value === undefined) {
    throw new TemplateError(
      `unknown template variable "${expression}": expected one of ${Object.keys(scope.values).join(', ')} or variables.<key>`,
    );
  }
  return value;
}

/** Renders `{{ name }}` actions; `{{-` and `-}}` trim surrounding whitespace as in Go. */
export function renderTemplate(template: string, scope: TemplateScope): string {
  let out = '';
  let last = 0;
  let trimNext = false;
  for (const match of template.matchAll(ACTION)) {
    let text = template.slice(last, match.index);
    if (trimNext) text = text.trimStart();
    if (match[1] === '-') text = text.trimEnd();
    out += text + lookup(match[2] ?? '', scope);
    trimNext = match[3] === '-';
    last = match.index + match[0].length;
  }
  const rest = template.slice(last);
  out += trimNext ? rest.trimStart() : rest;
  if (out.includes('{{')) throw new TemplateError('unclosed or nested "{{" in template');
  return out;
}

/** The variables Flagger offers, for one metric of one Canary. */
export function templateScope(
  canary: Canary,
  metric: Pick<CanaryMetric, 'interval' | 'templateVariables'>,
): TemplateScope {
  const target = canary.spec.targetRef.name;
  return {
    values: {
      name: canary.metadata.name,
      namespace: canary.metadata.namespace ?? 'default',
      target,
      service: canary.spec.service.name ?? target,
      ingress: canary.spec.ingressRef?.name ?? target,
      route: canary.spec.routeRef?.name ?? target,
      interval: metric.interval,
    },
    variables: { ...(metric.templateVariables ?? {}) },
  };
}

/** Collapses every whitespace run to one space, as Flagger does before sending a built-in query. */
export function collapseWhitespace(query: string): string {
  return query.replace(/\s+/g, ' ');
}

/** The names every Canary offers a template (see {@link templateScope}). */
const TEMPLATE_NAMES = ['name', 'namespace', 'target', 'service', 'ingress', 'route', 'interval'];

/**
 * Why Serin cannot render this template for any Canary (a Go template function, pipeline or name
 * Serin does not implement), or undefined when it can. Variables are checked per Canary at run time.
 */
export function templateProblem(template: string): string | undefined {
  const scope: TemplateScope = {
    values: Object.fromEntries(TEMPLATE_NAMES.map((n) => [n, n])),
    variables: new Proxy({}, { get: () => 'x' }),
  };
  try {
    renderTemplate(template, scope);
    return undefined;
  } catch (error) {
    if (error instanceof TemplateError) return `${error.message} (not supported by Serin yet)`;
    throw error;
  }
}
