/**
 * Flagger's query templates are Go `text/template` run with functions and no data: `{{ namespace }}`,
 * `{{ variables.reporter }}` (not `{{ .namespace }}`), plus Go's builtins (`printf`, `eq`, `and`,
 * pipelines, `if`). Serin executes that language (`./go-template/`), with Flagger's
 * `missingkey=error`: an unknown name is an error naming it, never an empty string.
 */
import type { Canary, CanaryMetric } from '../api/canary.js';
import { TemplateError } from './go-template/errors.js';
import { execute } from './go-template/exec.js';
import { parseTemplate } from './go-template/parse.js';

export { TemplateError };

export interface TemplateScope {
  values: Record<string, string>;
  /** Flagger's `variables` map; a scope without it (alert messages) offers no `variables`. */
  variables?: Record<string, string>;
}

const UNSUPPORTED = 'unsupported template construct';

/** Renders a template as Flagger does: Go's `text/template` with the scope's functions and no data. */
export function renderTemplate(template: string, scope: TemplateScope): string {
  const names = new Set(Object.keys(scope.values));
  if (scope.variables !== undefined) names.add('variables');
  try {
    return execute(parseTemplate(template, names), { values: scope.values, variables: scope.variables });
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    throw new TemplateError(`template: ${explainMissing(error.message, scope)}`);
  }
}

/** Go's "map has no entry" names the key; say where it should have been set. */
function explainMissing(message: string, scope: TemplateScope): string {
  const missing = /map has no entry for key "([^"]*)"/.exec(message);
  if (!missing || scope.variables === undefined) return message;
  const known = Object.keys(scope.variables);
  const set = known.length > 0 ? ` (set: ${known.join(', ')})` : '';
  return `${message}: template variable "${missing[1] ?? ''}" is not set in templateVariables${set}`;
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
 * Why this template cannot render for any Canary (a syntax error, an undefined function, a Go
 * construct Serin does not implement), or undefined when it can. Variables are checked per Canary
 * at run time.
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
    if (!(error instanceof TemplateError)) throw error;
    return error.message.includes(UNSUPPORTED)
      ? `${error.message} (not supported by Serin yet)`
      : error.message;
  }
}
