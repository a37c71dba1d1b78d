import { describe, expect, it } from 'vitest';
import { CanaryMetric, type Canary } from '../api/canary.js';
import { renderTemplate, TemplateError, templateScope } from './template.js';

const canary = {
  apiVersion: 'serin.dev/v1beta1',
  kind: 'Canary',
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web-app' },
    service: { port: 80, name: 'web-svc' },
    ingressRef: { kind: 'Ingress', name: 'web-ingress' },
  },
} as Canary;

describe('renderTemplate', () => {
  const scope = templateScope(canary, { interval: '2m', templateVariables: { reporter: 'source' } });

  it('offers every Flagger variable', () => {
    const out = renderTemplate(
      '{{ name }}|{{namespace}}|{{ target }}|{{ service }}|{{ ingress }}|{{ route }}|{{ interval }}|{{ variables.reporter }}',
      scope,
    );
    expect(out).toBe('web|shop|web-app|web-svc|web-ingress|web-app|2m|source');
  });

  it('defaults the interval to 1m (from the schema) and service/route to the target', () => {
    const metric = CanaryMetric.parse({ name: 'latency' });
    const plain = templateScope({ ...canary, spec: { ...canary.spec, service: { port: 80 } } }, metric);
    expect(renderTemplate('{{ interval }} {{ service }} {{ route }}', plain)).toBe('1m web-app web-app');
  });

  it('trims whitespace around {{- and -}} as Go does', () => {
    expect(renderTemplate('a  {{- target -}}  b', scope)).toBe('aweb-appb');
  });

  it('names a missing template variable', () => {
    expect(() => renderTemplate('rate(x{r="{{ variables.missing }}"}[1m])', scope)).toThrow(
      /template variable "missing" is not set in templateVariables \(set: reporter\)/,
    );
  });

  it('names an unknown variable and rejects Go field syntax', () => {
    expect(() => renderTemplate('{{ pod }}', scope)).toThrow(/function "pod" not defined/);
    expect(() => renderTemplate('{{ .namespace }}', scope)).toThrow(TemplateError);
    expect(() => renderTemplate('{{ target ', scope)).toThrow(/unclosed/);
  });

  it("renders Flagger's Skipper tutorial query, which uses printf", () => {
    const skipper =
      '{{ printf "kube(ew)?_%s__%s_canary__.*__%s_canary(_[0-9]+)?" namespace ingress service }}';
    expect(renderTemplate(skipper, scope)).toBe(
      'kube(ew)?_shop__web-ingress_canary__.*__web-svc_canary(_[0-9]+)?',
    );
  });

  it('evaluates comparisons, conditions and pipelines as Go does', () => {
    expect(renderTemplate('{{ if eq variables.reporter "source" }}src{{ else }}dst{{ end }}', scope)).toBe(
      'src',
    );
    expect(renderTemplate('{{ namespace | printf "%s-%s" target }}', scope)).toBe('web-app-shop');
    expect(() => renderTemplate('{{ eq 1 "1" }}', scope)).toThrow(/incompatible types for comparison/);
  });

  it.each([
    ['{{ range variables }}x{{ end }}', /unsupported template construct \{\{range\}\}/],
    ['{{ with namespace }}x{{ end }}', /unsupported template construct \{\{with\}\}/],
    ['{{ $ns := namespace }}', /unsupported template construct: variable \$ns/],
    ['{{ . }}', /unsupported template construct "\."/],
    ['{{ printf "%v" nil }}', /unsupported template construct: nil/],
    ['{{ urlquery namespace }}', /unsupported template construct: function "urlquery"/],
    ['{{ printf "%[1]s" namespace }}', /unsupported printf construct "%\[": argument indexes/],
    ['{{ printf "%x" 1.5 }}', /unsupported printf verb %x for float64/],
  ])('refuses %s, naming the construct', (template, message) => {
    expect(() => renderTemplate(template, scope)).toThrow(message);
  });

  it('refuses Sprig functions Flagger does not offer, as Flagger does', () => {
    expect(() => renderTemplate('{{ default "source" variables.reporter }}', scope)).toThrow(
      /function "default" not defined/,
    );
  });
});
