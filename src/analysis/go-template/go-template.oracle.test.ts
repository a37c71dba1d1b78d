/**
 * Differential test: Serin's template engine against Go's `text/template` run the way Flagger
 * runs MetricTemplate queries (functions returning the model's strings, `variables` returning a
 * map, `missingkey=error`, no data). On templates written in the subset, both must agree on
 * success and on every output byte; on random token soup, Serin may refuse only what it names as
 * unsupported, and must never render where Go fails or render differently.
 */
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGoOracle, type GoOracle } from '../../../test/support/go-oracle.js';
import { renderTemplate, TemplateError } from '../template.js';

interface Answer {
  ok: boolean;
  output: string;
  error?: string;
}

const VALUES = {
  name: 'podinfo',
  namespace: 'test',
  target: 'podinfo',
  service: 'podinfo-svc',
  ingress: 'podinfo-ing',
  route: 'podinfo',
  interval: '1m',
};
const VARIABLES = { reporter: 'source', empty: '', num: '42', 'with space': 'x', unicode: 'é日🙂' };
const SEED = Number(process.env.SERIN_FC_SEED ?? 20261202);

const source = fileURLToPath(new URL('../../../test/support/go-template-oracle/main.go', import.meta.url));
let oracle: GoOracle;

beforeAll(() => {
  oracle = buildGoOracle(source, 'text/template');
}, 180_000);

afterAll(() => {
  oracle.remove();
});

function serin(template: string): Answer {
  try {
    return { ok: true, output: renderTemplate(template, { values: VALUES, variables: VARIABLES }) };
  } catch (error) {
    if (error instanceof TemplateError) return { ok: false, output: '', error: error.message };
    throw error;
  }
}

function askGo(templates: readonly string[]): Promise<Answer[]> {
  return oracle.ask(templates.map((template) => ({ template, values: VALUES, variables: VARIABLES })));
}

const STRINGS = [
  '"a"',
  '""',
  '"x y"',
  '"%s"',
  '"\\n"',
  '"\\t|"',
  '"é"',
  '"\\u00e9"',
  '"\\x41"',
  '"\\101"',
  '"quote\\"d"',
  '"日本"',
  '"🙂"',
  '`raw`',
  '`a\\nb`',
  '"5xx"',
  '"source"',
  '"Podinfo"',
];
const NUMBERS = [
  '0',
  '1',
  '-3',
  '42',
  '3.0',
  '1e3',
  '2.5',
  '-0.5',
  '0x1F',
  '0o17',
  '017',
  '1_000',
  "'a'",
  "'\\n'",
  '1e21',
  '0.000012345',
  '123456789.0',
  '.5',
  '0.125',
  '2.675',
  '1e-7',
  '+7',
  '9223372036854775807',
];
const FUNCTIONS = Object.keys(VALUES);
const FIELDS = [
  'variables.reporter',
  'variables.empty',
  'variables.num',
  'variables.unicode',
  'variables.missing',
];
const VERBS = ['s', 'd', 'v', 'q', 't', 'c', 'U', 'o', 'e', 'E', 'f', 'F', 'g', 'G', 'T', '%'];
const FLAGS = ['', '', '', '-', '+', ' ', '0', '-0', '+0'];
const WIDTHS = ['', '', '', '5', '12', '1'];
const PRECISIONS = ['', '', '', '.0', '.2', '.3', '.', '.10'];
const TEXT = ['', 'rate(', 'sum by (le) (', ' | ', '{x="', '"}', '[', ']', ' ', '\n', '  \t', 'é'];

const format = fc
  .array(
    fc.oneof(
      fc
        .tuple(
          fc.constantFrom(...FLAGS),
          fc.constantFrom(...WIDTHS),
          fc.constantFrom(...PRECISIONS),
          fc.constantFrom(...VERBS),
        )
        .map(([flag, width, precision, verb]) => `%${flag}${width}${precision}${verb}`),
      fc.constantFrom('x', '-', ' ', '_', 'kube(ew)?_', '__', '(_[0-9]+)?'),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .chain((parts) => fc.constantFrom(parts.join(''), `${parts.join('')}%`))
  .map((f) => JSON.stringify(f));

const { operand } = fc.letrec<{ operand: string; call: string; pipeline: string }>((tie) => ({
  operand: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...STRINGS),
    fc.constantFrom(...NUMBERS),
    fc.constantFrom('true', 'false'),
    fc.constantFrom(...FUNCTIONS),
    fc.constantFrom(...FIELDS),
    fc.constant('variables'),
    tie('pipeline').map((p) => `(${p})`),
  ),
  call: fc.oneof(
    { depthSize: 'small' },
    fc
      .tuple(format, fc.array(tie('operand'), { maxLength: 3 }))
      .map(([f, args]) => ['printf', f, ...args].join(' ')),
    fc
      .tuple(fc.constantFrom('print', 'println'), fc.array(tie('operand'), { maxLength: 3 }))
      .map(([f, args]) => [f, ...args].join(' ')),
    fc
      .tuple(fc.constantFrom('eq', 'ne', 'lt', 'le', 'gt', 'ge'), tie('operand'), tie('operand'))
      .map((p) => p.join(' ')),
    fc.tuple(tie('operand'), tie('operand'), tie('operand')).map((p) => `eq ${p.join(' ')}`),
    fc
      .tuple(fc.constantFrom('and', 'or'), fc.array(tie('operand'), { minLength: 1, maxLength: 3 }))
      .map(([f, args]) => [f, ...args].join(' ')),
    tie('operand').map((o) => `not ${o}`),
    tie('operand').map((o) => `len ${o}`),
    fc.constantFrom(
      'index variables "reporter"',
      'index variables "nope"',
      'index variables 1',
      'index "abc" 1',
      'index "abc" 3',
      'index "é" 0',
      'index variables',
      'index namespace -1',
    ),
  ),
  pipeline: fc.oneof(
    { depthSize: 'small' },
    tie('operand'),
    tie('call'),
    fc
      .tuple(
        fc.oneof(tie('operand'), tie('call')),
        fc.array(
          fc.oneof(
            format.map((f) => `printf ${f}`),
            fc.constantFrom('len', 'not', 'print', 'println', 'printf'),
            tie('operand').map((o) => `eq ${o}`),
            tie('operand').map((o) => `printf "%v-%v" ${o}`),
            tie('operand').map((o) => `and ${o}`),
            tie('operand').map((o) => `or ${o}`),
          ),
          { minLength: 1, maxLength: 3 },
        ),
      )
      .map(([head, stages]) => [head, ...stages].join(' | ')),
  ),
}));

const pipelineArb = operand.chain(() =>
  fc.oneof(
    operand,
    operand.map((o) => o),
  ),
);
const actionArb = fc
  .tuple(
    fc.constantFrom('{{', '{{ ', '{{- ', '{{  '),
    fc.oneof(pipelineArb, operand),
    fc.constantFrom('}}', ' }}', ' -}}'),
  )
  .map(([open, body, close]) => `${open}${body}${close}`);

const templateArb = fc
  .array(
    fc.oneof(
      fc.constantFrom(...TEXT),
      actionArb,
      fc
        .tuple(operand, actionArb, actionArb)
        .map(([cond, then, otherwise]) => `{{ if ${cond} }}${then}{{ else }}${otherwise}{{ end }}`),
      fc
        .tuple(operand, operand, actionArb, actionArb)
        .map(([a, b, then, otherwise]) => `{{ if ${a} }}${then}{{ else if ${b} }}${otherwise}{{ end }}`),
      fc.constantFrom('{{/* a comment */}}', '{{- /* trimmed */ -}}'),
    ),
    { minLength: 1, maxLength: 5 },
  )
  .map((parts) => parts.join(''));

const SOUP = [
  '{{',
  '}}',
  '{{-',
  '-}}',
  ' ',
  '(',
  ')',
  '|',
  '.',
  '.x',
  '$x',
  ':=',
  '=',
  'if',
  'else',
  'end',
  'range',
  'with',
  'nil',
  'default',
  'printf',
  'eq',
  'len',
  'and',
  'not',
  'name',
  'variables',
  'variables.reporter',
  '"%s"',
  '"a"',
  '`b`',
  '1',
  '-',
  '3.5',
  "'c'",
  'true',
  '/*',
  '*/',
  ',',
  '"',
  'x',
];
const soupArb = fc.array(fc.constantFrom(...SOUP), { minLength: 1, maxLength: 12 }).map((t) => t.join(''));

/** Patterns from Flagger's docs and tutorials, and constructs that need Go's exact rules. */
const KNOWN = [
  'sum(rate(istio_requests_total{reporter="{{ variables.reporter }}",destination_workload_namespace="{{ namespace }}"}[{{ interval }}]))',
  '{{ printf "kube(ew)?_%s__%s_canary__.*__%s_canary(_[0-9]+)?" namespace ingress service }}',
  '{{ if eq namespace "test" }}prod{{ else }}dev{{ end }}',
  '{{ 1e3 }} {{ 3.0 }} {{ 0x1e }} {{ -0x1e }} {{ 1234567.0 }} {{ 0.00001 }}',
  '{{ printf "%.2f|%.0f|%.1f" 0.125 2.5 0.25 }}',
  '{{ printf "%d" 3.0 }}{{ printf "%s" 3 }}{{ printf "%d" }}{{ printf "x" 1 "y" }}',
  '{{ eq 1 1.0 }}',
  '{{ eq namespace "a" "test" }}',
  '{{ lt "B" "a" }}{{ lt "é" "z" }}',
  '{{ len "é日" }}',
  '{{ index "abc" 1 }}',
  '{{ variables.reporter | printf "%q" }}',
  '{{ and 0 (len variables.missing) }}',
  '{{ or "" 0 "x" }}',
  '{{ default "x" namespace }}',
  '{{ name "x" }}',
  '{{ "a" | "b" }}',
  '{{ (variables).reporter }}',
  '{{ printf "%5.1f|%-8s|%08.3f|%+d|% d|%x" 3.14159 "ab" -3.5 5 7 255 }}',
  '{{ printf "%U|%c|%q|%o|%O|%b" 233 233 233 8 8 5 }}',
  '{{- "a" -}}  {{- 3 }}{{-3}}',
  '{{ print 1 2 "a" 3 "b" "c" }}{{ println 1 "a" }}',
  '{{ printf "%v %s" variables variables }}',
  '{{ printf "%x|%X|%#x|%08b|%#o|% x|%#q|%+q" "hi" "hi" 255 5 8 "ab" "a`b" "é" }}',
  '{{ printf "%.3x|%-6X|%#X" "hello" 255 3054 }}',
  '{{ printf "%#U|%U|%c" 0x1F642 -1 -1 }}',
  '{{ len (printf "%s" variables.unicode) }}{{ index variables.unicode 0 }}{{ eq (index "a" 0) 97 }}',
  '{{ lt 1 2.0 }}',
  '{{ if (and namespace (not (eq namespace "prod"))) }}non-prod{{ end }}',
];

function describeCase(template: string, go: Answer, ours: Answer): string {
  const say = (a: Answer): string =>
    a.ok ? `renders ${JSON.stringify(a.output)}` : `fails (${a.error ?? ''})`;
  return `${JSON.stringify(template)}: Go ${say(go)}, Serin ${say(ours)}`;
}

describe("Go's text/template as Flagger runs it", () => {
  it('agrees with Go on success and output for known patterns and 4,000 generated templates', async () => {
    const templates = [...KNOWN, ...fc.sample(templateArb, { seed: SEED, numRuns: 4000 })];
    const answers = await askGo(templates);
    expect(answers).toHaveLength(templates.length);
    const disagreements: string[] = [];
    let rendered = 0;
    templates.forEach((template, i) => {
      const go = answers[i];
      if (go === undefined) return;
      const ours = serin(template);
      if (go.ok) rendered++;
      if (go.ok !== ours.ok || go.output !== ours.output)
        disagreements.push(describeCase(template, go, ours));
    });
    expect(disagreements.slice(0, 20)).toEqual([]);
    // The generator must exercise rendering, not only errors.
    expect(rendered).toBeGreaterThan(templates.length / 4);
  }, 240_000);

  it('on random token soup, never renders where Go fails, never differs, and names what it refuses', async () => {
    const templates = fc.sample(soupArb, { seed: SEED + 1, numRuns: 4000 });
    const answers = await askGo(templates);
    const problems: string[] = [];
    templates.forEach((template, i) => {
      const go = answers[i];
      if (go === undefined) return;
      const ours = serin(template);
      if (ours.ok && (!go.ok || go.output !== ours.output)) problems.push(describeCase(template, go, ours));
      if (!ours.ok && go.ok && !(ours.error ?? '').includes('unsupported'))
        problems.push(describeCase(template, go, ours));
    });
    expect(problems.slice(0, 20)).toEqual([]);
  }, 240_000);
});
