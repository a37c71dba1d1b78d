/**
 * Flagger's built-in Istio checks, so dashboards and habits carry over. The templates are kept in
 * Flagger's multi-line layout; what is sent (and printed by `serin analyze --dry-run`) is the form
 * with every whitespace run collapsed to one space, byte for byte what Flagger sends.
 */
import { collapseWhitespace } from './template.js';

export const SUCCESS_RATE = 'request-success-rate';
export const DURATION = 'request-duration';
export type BuiltinName = typeof SUCCESS_RATE | typeof DURATION;

export function isBuiltin(name: string): name is BuiltinName {
  return name === SUCCESS_RATE || name === DURATION;
}

const SUCCESS_RATE_TEMPLATE = `
sum(
  rate(
    istio_requests_total{
      reporter="destination",
      destination_workload_namespace="{{ namespace }}",
      destination_workload=~"{{ target }}",
      response_code!~"5.*"
    }[{{ interval }}]
  )
)
/
sum(
  rate(
    istio_requests_total{
      reporter="destination",
      destination_workload_namespace="{{ namespace }}",
      destination_workload=~"{{ target }}"
    }[{{ interval }}]
  )
)
* 100`;

const DURATION_TEMPLATE = `
histogram_quantile(
  0.99,
  sum(
    rate(
      istio_request_duration_milliseconds_bucket{
        reporter="destination",
        destination_workload_namespace="{{ namespace }}",
        destination_workload=~"{{ target }}"
      }[{{ interval }}]
    )
  ) by (le)
)`;

/** The query template of a built-in check, as Flagger sends it (whitespace collapsed). */
export function builtinTemplate(name: BuiltinName): string {
  return collapseWhitespace(name === SUCCESS_RATE ? SUCCESS_RATE_TEMPLATE : DURATION_TEMPLATE);
}
