import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, expect, it } from 'vitest';
import { buildUi } from '../static-files.js';
import { PACKAGE_ROOT } from '../ui-dir.js';

const BUDGET_BYTES = 100 * 1024;
// Under the git-ignored dist/, never in src/ or the system temp directory.
mkdirSync(join(PACKAGE_ROOT, 'dist'), { recursive: true });
const outDir = mkdtempSync(join(PACKAGE_ROOT, 'dist', 'size-test-'));

afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
});

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

it('builds the production UI: under 100 kB gzipped, no source paths, nothing from another origin', async () => {
  await buildUi(outDir);
  const built = files(outDir);
  expect(built.some((f) => f.endsWith('.js'))).toBe(true);
  let gzipped = 0;
  for (const file of built) {
    const content = readFileSync(file);
    gzipped += gzipSync(content, { level: 9 }).length;
    const text = content.toString('utf8');
    // A development bundle names every source file by its absolute path (JSX dev transform).
    expect(text.includes(PACKAGE_ROOT), `${file} names the checkout's path`).toBe(false);
    expect(text.includes('jsxDEV'), `${file} is built with the development JSX transform`).toBe(false);
    // No script or stylesheet may load from elsewhere: the dashboard works offline.
    expect(text, file).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(text, file).not.toMatch(/@import\s+url\(["']?https?:/);
  }
  process.stdout.write(`dashboard UI: ${built.length} files, ${(gzipped / 1024).toFixed(1)} kB gzipped\n`);
  expect(gzipped).toBeLessThan(BUDGET_BYTES);
}, 120_000);
