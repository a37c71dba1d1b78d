import { CHECKS, lintManifests, type Finding } from '../../routing/lint/index.js';
import { readManifests, type ManifestSet } from '../../routing/manifests.js';
import { parseOutputFormat, printStructured } from '../output.js';
import { ExitCode, UsageError } from '../program.js';
import { readSources } from '../sources.js';

/** A finding with the column of its field, when the source was YAML: `file:line:column` as `validate` prints it. */
type LocatedFinding = Finding & { column?: number };

/** The column of a finding's field: its manifest locates the path, a syntax problem knows its own. */
function columnOf(set: ManifestSet, f: Finding): number | undefined {
  if (f.kind === '' && f.path === '') {
    return set.problems.find((p) => p.file === f.file && p.line === f.line && p.message === f.message)
      ?.column;
  }
  for (const m of set.manifests) {
    if (m.file !== f.file || m.kind !== f.kind || m.name !== f.name) continue;
    const at = m.locate(f.path);
    if (at?.line === f.line) return at.column;
  }
  return undefined;
}

function located(set: ManifestSet, findings: readonly Finding[]): LocatedFinding[] {
  return findings.map((f) => {
    const column = columnOf(set, f);
    return column === undefined ? f : { ...f, column };
  });
}

function printText(findings: readonly LocatedFinding[], documents: number): void {
  for (const f of findings) {
    const what = f.kind ? ` ${f.kind}/${f.name}` : '';
    const where = `${f.file}:${f.line}${f.column !== undefined ? `:${f.column}` : ''}`;
    process.stdout.write(`${where}: ${f.severity} ${f.code}${what}: ${f.message}\n    hint: ${f.hint}\n`);
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
  const findings = located(set, lintManifests(set, { defaultNamespace: opts.namespace }));
  if (format === 'text') printText(findings, set.manifests.length);
  else printStructured({ documents: set.manifests.length, findings }, format);
  if (findings.some((f) => f.severity === 'error')) process.exitCode = ExitCode.failure;
}
