// Writes deploy/crds/*.yaml from the zod schemas in src/api. Run after any schema change:
//   npx tsx scripts/generate-crds.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCrdFiles } from '../src/api/crd-files.js';
import { renderFlaggerSupersetFile, SUPERSET_FILE } from '../src/api/flagger-superset-crd.js';

const dir = join(import.meta.dirname, '..', 'deploy', 'crds');
mkdirSync(dir, { recursive: true });
for (const [file, text] of Object.entries(renderCrdFiles())) {
  writeFileSync(join(dir, file), text);
  console.log(`wrote deploy/crds/${file}`);
}

// The superset flagger.app CRD lives apart from deploy/crds: `kubectl apply -k deploy/` must never
// replace Flagger's own CRD. `serin install --flagger-crd superset` adds it.
const flaggerDir = join(import.meta.dirname, '..', 'deploy', 'flagger');
mkdirSync(flaggerDir, { recursive: true });
writeFileSync(join(flaggerDir, SUPERSET_FILE), renderFlaggerSupersetFile());
console.log(`wrote deploy/flagger/${SUPERSET_FILE}`);
