import { dirname, resolve } from 'node:path';
import { request } from 'undici';
import { readTokenFile } from '../../local/token.js';
import { ExitCode, UsageError } from '../program.js';
import { readSources } from '../sources.js';
import { readRunFile } from '../steer-target.js';
import { parseUrl } from '../url-flag.js';

function readToken(file: string): string {
  try {
    return readTokenFile(file).token;
  } catch (error) {
    throw new UsageError(`cannot read the token: ${(error as Error).message}`);
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
