import {
  capabilityOptionsFor,
  documentCapabilities,
  type CapabilityOptions,
} from '../../api/capabilities.js';
import { KINDS, parseSource } from '../../api/documents.js';
import { parseOutputFormat, printStructured } from '../output.js';
import { ExitCode } from '../program.js';
import type { RoutingProviderId } from '../../routing/providers/ids.js';
import { readSources } from '../sources.js';

const isRecord = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Finding {
  file: string;
  document: number;
  /** Where the offending field is (1-based), when the source was YAML. */
  line?: number;
  column?: number;
  kind?: string;
  name?: string;
  path: string;
  severity: 'error' | 'warning';
  message: string;
}

function findingsFor(
  sourceName: string,
  text: string,
  strict: boolean,
  base: CapabilityOptions,
): { findings: Finding[]; checked: number } {
  const { documents, syntaxErrors } = parseSource(text);
  const findings: Finding[] = syntaxErrors.map((e) => ({
    file: sourceName,
    document: e.index,
    ...(e.line ? { line: e.line } : {}),
    ...(e.column ? { column: e.column } : {}),
    path: '',
    severity: 'error',
    message: e.message,
  }));
  // A document that is not even an object (garbage, a bare string) is an error too, not "skipped".
  const checked = documents.filter((doc) => doc.family !== 'other' || !isRecord(doc.raw));
  const options = capabilityOptionsFor(
    checked.map((doc) => doc.raw),
    base,
  );
  for (const doc of checked) {
    for (const d of [...doc.diagnostics, ...documentCapabilities(doc.raw, options)]) {
      const at = doc.locate?.(d.path);
      findings.push({
        file: sourceName,
        document: doc.index,
        ...(at ? { line: at.line, column: at.column } : doc.line ? { line: doc.line } : {}),
        ...(doc.kind ? { kind: doc.kind } : {}),
        ...(doc.name ? { name: doc.name } : {}),
        path: d.path,
        severity: strict ? 'error' : d.severity,
        message: d.message,
      });
    }
  }
  return { findings, checked: checked.length };
}

/** `file:line:column` as editors and CI annotations read it; JSON sources name the document. */
function locationOf(f: Finding): string {
  if (f.line === undefined) return `${f.file}:${f.document}`;
  return `${f.file}:${f.line}:${f.column ?? 1}`;
}

function printText(findings: readonly Finding[], checked: number): void {
  for (const f of findings) {
    const where = f.path ? `${f.path}: ` : '';
    const level = f.severity === 'warning' ? 'warning: ' : '';
    process.stdout.write(`${locationOf(f)}: ${where}${level}${f.message}\n`);
  }
  const errors = findings.filter((f) => f.severity === 'error').length;
  process.stderr.write(
    `${checked} document(s) checked, ${errors} error(s), ${findings.length - errors} warning(s)\n`,
  );
}

export interface ValidateOptions {
  filename: string[];
  output?: string;
  strict?: boolean;
  /** The controller's `--provider`: what Canaries without `spec.provider` are checked against. */
  provider?: RoutingProviderId;
}

export function validate(opts: ValidateOptions): void {
  const format = parseOutputFormat(opts.output, ['text', 'json']);
  const findings: Finding[] = [];
  let checked = 0;
  const base: CapabilityOptions =
    opts.provider === undefined ? {} : { defaultProvider: opts.provider, defaultProviderExplicit: true };
  for (const source of readSources(opts.filename)) {
    const result = findingsFor(source.name, source.text, opts.strict === true, base);
    findings.push(...result.findings);
    checked += result.checked;
  }
  if (checked === 0 && !findings.some((f) => f.severity === 'error')) {
    // An empty file or one with only other kinds has nothing valid in it: saying "valid" would
    // let a typo in a path or a kind pass a CI check.
    findings.push({
      file: opts.filename.join(', '),
      document: 0,
      path: '',
      severity: 'error',
      message: `no Serin or Flagger document found: expected at least one of ${Object.keys(KINDS).join(', ')}`,
    });
  }
  const invalid = findings.some((f) => f.severity === 'error');
  if (format === 'json') printStructured({ valid: !invalid, documentsChecked: checked, findings }, 'json');
  else printText(findings, checked);
  process.exitCode = invalid ? ExitCode.failure : ExitCode.ok;
}
