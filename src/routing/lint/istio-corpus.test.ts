import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toYaml } from '../../api/yaml.js';
import { createRouter } from '../../local/router/index.js';
import type { VirtualServiceSpec } from '../istio/types.js';
import { readManifests } from '../manifests.js';
import { lintManifests } from './index.js';

/**
 * The Istio validation corpus (test/fixtures/istio-validation): cases transcribed from Istio's own
 * validation tests, each with Istio's verdict. Lint must report an error on every case Istio
 * refuses and no error on a case Istio accepts.
 */
interface Case {
  name: string;
  from: string;
  valid: boolean;
  kind?: 'VirtualService' | 'DestinationRule' | 'Gateway';
  gatewayName?: string;
  expect?: string;
  spec: unknown;
}

const dir = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'istio-validation');
const cases: (Case & { file: string })[] = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .flatMap((file) => (parse(readFileSync(join(dir, file), 'utf8')) as Case[]).map((c) => ({ ...c, file })));

function manifest(c: Case): string {
  const kind = c.kind ?? 'VirtualService';
  const name = kind === 'Gateway' ? (c.gatewayName ?? 'gateway') : 'subject';
  return toYaml({
    apiVersion: 'networking.istio.io/v1',
    kind,
    metadata: { name, namespace: 'default' },
    spec: c.spec,
  });
}

const lintCase = (c: Case) => lintManifests(readManifests([{ name: `${c.name}.yaml`, text: manifest(c) }]));
const errorsOf = (c: Case) => lintCase(c).filter((f) => f.severity === 'error');

describe('the Istio validation corpus', () => {
  it('holds at least the 67 invalid and 27 valid cases transcribed from Istio, each naming its source', () => {
    expect(cases.filter((c) => !c.valid).length).toBeGreaterThanOrEqual(67);
    expect(cases.filter((c) => c.valid).length).toBeGreaterThanOrEqual(27);
    for (const c of cases) expect(c.from, c.name).toMatch(/\S/);
    expect(new Set(cases.map((c) => `${c.file}/${c.name}`)).size).toBe(cases.length);
  });

  describe.each(cases.filter((c) => !c.valid).map((c) => [`${c.file}: ${c.name}`, c] as const))(
    'refuses %s',
    (_, c) => {
      it('with an error', () => {
        const errors = errorsOf(c);
        expect(errors, `${c.from}\n${manifest(c)}`).not.toEqual([]);
        if (c.expect !== undefined) expect(errors.map((e) => e.message).join('\n')).toContain(c.expect);
      });
    },
  );

  describe.each(cases.filter((c) => c.valid).map((c) => [`${c.file}: ${c.name}`, c] as const))(
    'accepts %s',
    (_, c) => {
      it('without an error', () => {
        expect(errorsOf(c), `${c.from}\n${manifest(c)}`).toEqual([]);
      });
    },
  );
});

describe('lint and the local router', () => {
  const router = createRouter({ services: [] });
  afterAll(() => router.close());

  it('lint refuses every VirtualService of the corpus that the router refuses to load', () => {
    const refusedByRouter: string[] = [];
    for (const c of cases.filter((x) => (x.kind ?? 'VirtualService') === 'VirtualService')) {
      try {
        router.update({
          services: [],
          virtualServices: [{ name: 'subject', namespace: 'default', spec: c.spec as VirtualServiceSpec }],
        });
      } catch {
        refusedByRouter.push(c.name);
        expect(errorsOf(c), `the router refuses "${c.name}"; lint must too`).not.toEqual([]);
      }
    }
    // The comparison means something only if the router does refuse some of them.
    expect(refusedByRouter.length).toBeGreaterThan(3);
  });
});
