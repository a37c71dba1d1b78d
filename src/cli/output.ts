import { toYaml } from '../api/yaml.js';
import { UsageError } from './program.js';

export type OutputFormat = 'text' | 'json' | 'yaml' | 'wide';

export function parseOutputFormat(value: string | undefined, allowed: readonly OutputFormat[]): OutputFormat {
  const format = (value ?? 'text') as OutputFormat;
  if (!allowed.includes(format)) {
    throw new UsageError(
      `-o/--output: expected one of ${allowed.filter((f) => f !== 'text').join(', ')}, got "${value}"`,
    );
  }
  return format;
}

export function printStructured(value: unknown, format: 'json' | 'yaml'): void {
  process.stdout.write(format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : toYaml(value));
}

/** A kubectl-style table: upper-case headers, columns padded with three spaces, no borders. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return [line(headers.map((h) => h.toUpperCase())), ...rows.map(line)].join('\n') + '\n';
}
