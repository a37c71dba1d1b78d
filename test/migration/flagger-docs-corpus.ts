/**
 * The fixtures of test/fixtures/flagger-docs-corpus/ (README there): one Flagger Canary per
 * `<source>.yaml`, and beside it, when the Canary references a user's object Serin reads (an
 * Ingress, an ApisixRoute, a Gloo Upstream), `<source>.inputs.yaml` with that object as the same
 * tutorial or e2e script applies it. Shared by the validate/generate suite and the controller suite.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const CORPUS_DIR = join(import.meta.dirname, '..', 'fixtures', 'flagger-docs-corpus');
const INPUTS_SUFFIX = '.inputs.yaml';

export interface CorpusFixture {
  name: string;
  file: string;
  /** `spec.provider`, or the `-mesh-provider` Flagger ran it with. */
  provider: string;
  /** The provider given to `generate --provider` (and the controller's) when the Canary has none. */
  meshFlag?: string;
  /** The user's objects the Canary references, and the field that references them. */
  inputs?: { file: string; field: string };
}

function inputsOf(name: string): CorpusFixture['inputs'] {
  const file = join(CORPUS_DIR, `${name}${INPUTS_SUFFIX}`);
  if (!existsSync(file)) return undefined;
  const field = /^# What Serin reads at (\S+);/m.exec(readFileSync(file, 'utf8'))?.[1];
  if (field === undefined) throw new Error(`${file}: the header does not name the field Serin reads`);
  return { file, field };
}

export function corpusFixtures(): CorpusFixture[] {
  const files = readdirSync(CORPUS_DIR);
  for (const f of files.filter((f) => f.endsWith(INPUTS_SUFFIX)))
    if (!files.includes(f.replace(INPUTS_SUFFIX, '.yaml'))) throw new Error(`${f}: no Canary beside it`);
  return files
    .filter((f) => f.endsWith('.yaml') && !f.endsWith(INPUTS_SUFFIX))
    .sort()
    .map((f) => {
      const file = join(CORPUS_DIR, f);
      const text = readFileSync(file, 'utf8');
      const mesh = /-mesh-provider=(\S+)\.$/m.exec(text)?.[1];
      if (mesh === undefined) throw new Error(`${f}: the header does not say Flagger's -mesh-provider`);
      const own = (parse(text) as { spec?: { provider?: string } }).spec?.provider;
      const name = f.replace(/\.yaml$/, '');
      const inputs = inputsOf(name);
      return {
        name,
        file,
        provider: own ?? mesh,
        ...(own === undefined ? { meshFlag: mesh.startsWith('gatewayapi') ? 'gateway-api' : mesh } : {}),
        ...(inputs !== undefined ? { inputs } : {}),
      };
    });
}

/** Canaries per provider (Flagger's family name: gatewayapi:v1beta1 counts as gatewayapi). */
export function countByProvider(list: readonly CorpusFixture[]): string {
  const counts = new Map<string, number>();
  for (const f of list) {
    const family = f.provider.split(':')[0] ?? f.provider;
    counts.set(family, (counts.get(family) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([p, n]) => `${p} ${String(n)}`)
    .join(', ');
}

/** `serin generate` arguments for a fixture: the Canary, its inputs, and the mesh provider. */
export function generateArgs(fixture: CorpusFixture, options: { withInputs?: boolean } = {}): string[] {
  const args = ['generate', '-f', fixture.file];
  if (fixture.inputs !== undefined && options.withInputs !== false) args.push('-f', fixture.inputs.file);
  if (fixture.meshFlag !== undefined) args.push('--provider', fixture.meshFlag);
  return args;
}
