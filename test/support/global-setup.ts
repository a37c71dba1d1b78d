/**
 * Once per test run, before any suite:
 *
 * - dist/ is brought up to date (an incremental `tsc -p tsconfig.build.json` when a source file is
 *   newer than the last build), so suites that run the compiled CLI or spawn the data plane from
 *   dist/ never run stale code;
 * - the run gets a temporary directory of its own (TMPDIR, inherited by every worker and every
 *   process a test starts), and at the end any `serin*` entry a suite left in it fails the run,
 *   naming the entries. A run of its own, because other test runs on the machine share /tmp.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const DIST = join(ROOT, 'dist');
/** Written after a successful build; tsc leaves its own build info alone when nothing changed. */
const STAMP = join(DIST, '.build-stamp');
export const SERIN_TEMP_PREFIX = 'serin';

/** The newest modification time of the files the build compiles (and its configuration). */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (/\.tsx?$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

export function distIsStale(): boolean {
  if (!existsSync(STAMP)) return true;
  const built = statSync(STAMP).mtimeMs;
  const inputs = ['package.json', 'tsconfig.json', 'tsconfig.build.json'].map(
    (file) => statSync(join(ROOT, file)).mtimeMs,
  );
  return Math.max(newestSource(join(ROOT, 'src')), ...inputs) > built;
}

export function buildDist(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (result.error) throw result.error;
  // tsc emits despite type errors (the type check is `npm run typecheck`'s job); a missing entry
  // point means it emitted nothing.
  if (!existsSync(join(DIST, 'cli', 'main.js')))
    throw new Error(
      `tsc -p tsconfig.build.json built no dist/cli/main.js:\n${result.stdout}${result.stderr}`,
    );
  if (result.status !== 0)
    process.stderr.write(
      `tsc -p tsconfig.build.json reported errors (dist/ was still written):\n${result.stdout}`,
    );
  mkdirSync(DIST, { recursive: true });
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
}

/** The `serin*` entries a run left in its temporary directory. */
export function leftovers(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.startsWith(SERIN_TEMP_PREFIX))
    .sort();
}

export default function setup(): () => void {
  if (distIsStale()) buildDist();
  // vitest runs the global setup for the root and again for each project: one run, one directory.
  // Nesting them made paths too long for a Unix socket (Chromium's profile lock).
  const existing = process.env.SERIN_TEST_RUN_TEMP;
  if (existing !== undefined && existsSync(existing)) return () => undefined;
  const systemTemp = tmpdir();
  const runTemp = mkdtempSync(join(systemTemp, 'serin-test-run-'));
  process.env.TMPDIR = runTemp;
  process.env.SERIN_TEST_RUN_TEMP = runTemp;
  return () => {
    process.env.TMPDIR = systemTemp;
    delete process.env.SERIN_TEST_RUN_TEMP;
    const left = leftovers(runTemp);
    rmSync(runTemp, { recursive: true, force: true });
    if (left.length > 0) {
      // vitest reports an error thrown here but keeps the exit code of the tests: set it too.
      process.exitCode = 1;
      throw new Error(
        `suites left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in the temporary directory (remove what a test creates): ${left.join(', ')}`,
      );
    }
  };
}
