/**
 * A small Go program used as an oracle: built once per suite with Debian's `golang-go`
 * (installed by scripts/install-system-deps.sh), then asked many questions in one process, one
 * JSON request per line in and one JSON answer per line out.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface GoOracle {
  /** Go's minor version (1.19 → 19). */
  readonly minorVersion: number;
  ask<A>(queries: readonly unknown[]): Promise<A[]>;
  remove(): void;
}

/** Builds the Go program at `source` (a single file, no modules) into a temporary directory. */
export function buildGoOracle(source: string, what: string): GoOracle {
  const dir = mkdtempSync(join(tmpdir(), 'serin-go-oracle-'));
  const binary = join(dir, 'oracle');
  const built = spawnSync('go', ['build', '-o', binary, source], {
    encoding: 'utf8',
    env: { ...process.env, GOFLAGS: '-mod=mod', GO111MODULE: 'off', GOCACHE: join(dir, 'cache') },
  });
  if (built.error || built.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `cannot build the Go ${what} oracle (Debian package golang-go, installed by scripts/install-system-deps.sh): ${
        built.error?.message ?? built.stderr
      }`,
    );
  }
  const version = /go1\.(\d+)/.exec(spawnSync('go', ['version'], { encoding: 'utf8' }).stdout);
  return {
    minorVersion: Number(version?.[1] ?? 0),
    ask: <A>(queries: readonly unknown[]) => askOracle<A>(binary, what, queries),
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function askOracle<A>(binary: string, what: string, queries: readonly unknown[]): Promise<A[]> {
  const child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const answers: A[] = [];
  const lines = createInterface({ input: child.stdout });
  const done = new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => answers.push(JSON.parse(line) as A));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`the Go ${what} oracle exited ${String(code)}`));
    });
  });
  child.stdin.on('error', () => undefined); // a crash is reported by the exit code
  for (const q of queries) child.stdin.write(`${JSON.stringify(q)}\n`);
  child.stdin.end();
  await done;
  return answers;
}
