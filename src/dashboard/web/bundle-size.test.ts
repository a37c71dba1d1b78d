import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, expect, it } from 'vitest';
import { buildUi } from '../static-files.js';

const BUDGET_BYTES = 100 * 1024;
const outDir = mkdtempSync(join(tmpdir(), 'serin-dashboard-size-'));

afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
});

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

it('builds a UI whose files total under 100 kB gzipped, with nothing from another origin', async () => {
  await buildUi(outDir);
  const built = files(outDir);
  expect(built.some((f) => f.endsWith('.js'))).toBe(true);
  let gzipped = 0;
  for (const file of built) {
    const content = readFileSync(file);
    gzipped += gzipSync(content, { level: 9 }).length;
    const text = content.toString('utf8');
    // No script or stylesheet may load from elsewhere: the dashboard works offline.
    expect(text, file).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(text, file).not.toMatch(/@import\s+url\(["']?https?:/);
  }
  process.stdout.write(`dashboard UI: ${built.length} files, ${(gzipped / 1024).toFixed(1)} kB gzipped\n`);
  expect(gzipped).toBeLessThan(BUDGET_BYTES);
});
