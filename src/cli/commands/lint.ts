import { CHECKS, lintManifests, type Finding } from '../../routing/lint/index.js';
import { readManifests } from '../../routing/manifests.js';
import { parseOutputFormat, printStructured } from '../output.js';
import { ExitCode, UsageError } from '../program.js';
import { readSources } from '../sources.js';

function printText(findings: readonly Finding[], documents: number): void {
  for (const f of findings) {
    const what = f.kind ? ` ${f.kind}/${f.name}` : '';
    process.stdout.write(
      `${f.file}:${f.line}: ${f.severity} ${f.code}${what}: ${f.message}\n    hint: ${f.hint}\n`,
    );
  }
  const count = (s: Finding['severity']) => findings.filter((f) => f.severity === s).length;
  process.stderr.write(
    `${documents} document(s) checked, ${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} note(s)\n`,
  );
}

export interface LintOptions {
  namespace: string;
  output?: string;
  listChecks?: boolean;
}

export function lint(paths: string[], opts: LintOptions): void {
  const format = parseOutputFormat(opts.output, ['text', 'json', 'yaml']) as 'text' | 'json' | 'yaml';
  if (opts.listChecks === true) {
    const rows = Object.entries(CHECKS).map(([code, c]) => ({ code, title: c.title, hint: c.hint }));
    if (format === 'text') for (const r of rows) process.stdout.write(`${r.code}  ${r.title}\n`);
    else printStructured(rows, format);
    return;
  }
  if (paths.length === 0) throw new UsageError('expected at least one FILE|DIR|- to lint');
  const set = readManifests(readSources(paths));
  const findings = lintManifests(set, { defaultNamespace: opts.namespace });
  if (format === 'text') printText(findings, set.manifests.length);
  else printStructured({ documents: set.manifests.length, findings }, format);
  if (findings.some((f) => f.severity === 'error')) process.exitCode = ExitCode.failure;
}
