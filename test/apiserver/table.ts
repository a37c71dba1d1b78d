import { getPath, isObject, type JsonObject, type JsonValue } from './json.js';
import type { PrinterColumn, ResourceType } from './resources.js';

/** `5s`, `3m`, `2h`, `4d` as kubectl prints ages. */
export function humanAge(timestamp: unknown, now = Date.now()): string {
  if (typeof timestamp !== 'string') return '<unknown>';
  const seconds = Math.max(0, Math.floor((now - Date.parse(timestamp)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours}h` : `${Math.floor(hours / 24)}d`;
}

function cell(column: PrinterColumn, object: JsonObject): JsonValue {
  const value = getPath(object, column.jsonPath);
  if (column.type === 'date') return humanAge(value);
  if (value === undefined || value === null)
    return column.type === 'integer' || column.type === 'number' ? null : '';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

function rowObject(object: JsonObject, include: string): JsonValue {
  if (include === 'None') return null;
  if (include === 'Object') return object;
  return {
    kind: 'PartialObjectMetadata',
    apiVersion: 'meta.k8s.io/v1',
    metadata: isObject(object.metadata) ? object.metadata : {},
  };
}

/** A `meta.k8s.io/v1` Table, what `kubectl get` asks for: Name, the printer columns, and the object. */
export function toTable(
  type: ResourceType,
  objects: JsonObject[],
  resourceVersion: string,
  include: string,
): JsonObject {
  const columns = type.printerColumns;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name of the object', priority: 0 },
      ...columns.map((column) => ({
        name: column.name,
        type: column.type === 'date' ? 'string' : column.type,
        format: column.format ?? '',
        description: column.description ?? '',
        priority: column.priority ?? 0,
      })),
    ],
    rows: objects.map((object) => ({
      cells: [
        getPath(object, 'metadata.name') as JsonValue,
        ...columns.map((column) => cell(column, object)),
      ],
      object: rowObject(object, include),
    })),
  };
}

export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes('as=Table');
}
