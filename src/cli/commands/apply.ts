import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { request } from 'undici';
import { RUN_FILE, type SessionInfo } from '../../local/session.js';
import { ExitCode, UsageError } from '../program.js';
import { readSources } from '../sources.js';
import { parseUrl } from './run.js';

function readRunFile(stateDir: string): SessionInfo {
  const file = join(stateDir, RUN_FILE);
  if (!existsSync(file))
    throw new UsageError(
      `no running \`serin run\` found: ${file} does not exist (start one, or pass --api and --token-file)`,
    );
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SessionInfo;
  } catch (error) {
    throw new UsageError(`${file}: unreadable (${(error as Error).message})`);
  }
}

function readToken(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new UsageError(`cannot read the token from ${file}: ${(error as Error).message}`);
  }
}

export interface ApplyOptions {
  filename: string[];
  stateDir: string;
  api?: string;
  tokenFile?: string;
}

export async function apply(opts: ApplyOptions): Promise<void> {
  const sources = readSources(opts.filename).map((s) => ({
    name: s.name,
    text: s.text,
    baseDir: s.name === '-' ? process.cwd() : dirname(resolve(s.name)),
  }));
  const explicitApi = parseUrl('--api', opts.api);
  const info =
    explicitApi !== undefined && opts.tokenFile !== undefined ? undefined : readRunFile(opts.stateDir);
  const api = explicitApi ?? info?.api ?? '';
  const token = readToken(opts.tokenFile ?? info?.tokenFile ?? '');
  let res;
  try {
    res = await request(`${api}/api/local/apply`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ sources }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    process.stderr.write(`error: cannot reach ${api}: ${(error as Error).message}\n`);
    process.exitCode = ExitCode.failure;
    return;
  }
  const body = (await res.body.json()) as { changed?: string[]; error?: string; problems?: string[] };
  if (res.statusCode !== 200) {
    process.stderr.write(`error: ${body.error ?? `HTTP ${res.statusCode}`}\n`);
    for (const p of body.problems ?? []) process.stderr.write(`  ${p}\n`);
    process.exitCode = ExitCode.failure;
    return;
  }
  const changed = body.changed ?? [];
  process.stdout.write(
    changed.length > 0 ? `${changed.map((c) => `applied: ${c}`).join('\n')}\n` : 'applied: nothing changed\n',
  );
  process.exitCode = ExitCode.ok;
}
