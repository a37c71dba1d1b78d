import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseAllDocuments } from 'yaml';

import { isObject, type JsonObject } from './json.js';

/** Every CustomResourceDefinition in the YAML files of a directory (other documents are ignored). */
export function readCrdDirectory(directory: string): JsonObject[] {
  if (!existsSync(directory)) return [];
  const files = readdirSync(directory)
    .filter((file) => file.endsWith('.yaml') || file.endsWith('.yml'))
    .sort();
  return files.flatMap((file) => {
    const path = join(directory, file);
    return parseAllDocuments(readFileSync(path, 'utf8')).flatMap((document) => {
      if (document.errors.length > 0) {
        throw new Error(`${path}: not valid YAML: ${document.errors[0]?.message ?? 'parse error'}`);
      }
      const value: unknown = document.toJS();
      return isObject(value) && value.kind === 'CustomResourceDefinition' ? [value] : [];
    });
  });
}
