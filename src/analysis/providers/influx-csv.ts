/**
 * InfluxDB's annotated CSV, the body of a Flux query answer (`/api/v2/query` with the dialect
 * annotations `datatype`, `group`, `default`): RFC 4180 rows, `#`-annotation rows that start each
 * table, a header row, then records; a blank line ends a table. A table whose header is
 * `error,reference` carries an error the query hit while streaming.
 */
import { ProviderError } from './http.js';

export interface FluxRecord {
  /** Column name → raw text (the `#default` annotation filled in for an empty cell). */
  values: Record<string, string>;
  /** Column name → `#datatype` annotation (`double`, `long`, `string`, `dateTime:RFC3339`, ...). */
  types: Record<string, string>;
}

/** Splits RFC 4180 CSV into rows of cells; a quoted cell may hold commas, quotes and newlines. */
export function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (quoted) throw new ProviderError('influxdb answered CSV with an unterminated quoted field');
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

interface Table {
  types: string[];
  defaults: string[];
  header: string[] | undefined;
}

const emptyTable = (): Table => ({ types: [], defaults: [], header: undefined });

function isBlank(row: string[]): boolean {
  return row.every((cell) => cell === '');
}

/** The records of an annotated-CSV answer, in order; a streamed error becomes a ProviderError. */
export function fluxRecords(text: string): FluxRecord[] {
  const records: FluxRecord[] = [];
  let table = emptyTable();
  for (const row of csvRows(text)) {
    const first = row[0] ?? '';
    if (isBlank(row)) table = emptyTable();
    else if (first === '#datatype') table = { ...emptyTable(), types: row };
    else if (first === '#default') table.defaults = row;
    else if (first.startsWith('#')) continue;
    else if (table.header === undefined) table.header = row;
    else {
      const record = recordOf(table, table.header, row);
      if (table.header.includes('error') && table.header.includes('reference'))
        throw new ProviderError(`influxdb query failed: ${record.values.error ?? ''}`);
      records.push(record);
    }
  }
  return records;
}

function recordOf(table: Table, header: string[], row: string[]): FluxRecord {
  if (row.length !== header.length) {
    throw new ProviderError(
      `influxdb answered a CSV record of ${String(row.length)} cells under a header of ${String(header.length)} columns`,
    );
  }
  const values: Record<string, string> = {};
  const types: Record<string, string> = {};
  header.forEach((name, i) => {
    if (name === '') return;
    const cell = row[i] ?? '';
    values[name] = cell === '' ? (table.defaults[i] ?? '') : cell;
    types[name] = table.types[i] ?? 'string';
  });
  return { values, types };
}
