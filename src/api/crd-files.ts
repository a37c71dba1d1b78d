import { toYaml } from './yaml.js';
import { customResourceDefinitions } from './crd.js';

const HEADER = '# Generated from src/api by scripts/generate-crds.ts. Do not edit by hand.\n';

/** File name → YAML text for every CRD, as checked in under deploy/crds/. */
export function renderCrdFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const doc of customResourceDefinitions()) {
    const name = (doc.metadata as { name: string }).name;
    files[`${name}.yaml`] = HEADER + toYaml(doc, { lineWidth: 0 });
  }
  return files;
}
