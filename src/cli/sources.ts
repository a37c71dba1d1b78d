import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { UsageError } from './program.js';

export interface Source {
  /** What to call it in messages: the path, or `-` for standard input. */
  name: string;
  text: string;
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

function listDirectory(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return listDirectory(path);
      return MANIFEST_EXTENSIONS.has(extname(entry.name)) ? [path] : [];
    });
}

/** Reads `-f` arguments: files, directories (recursively, *.yaml|*.yml|*.json) or `-` for stdin. */
export function readSources(
  paths: readonly string[],
  stdin: () => string = () => readFileSync(0, 'utf8'),
): Source[] {
  if (paths.length === 0) throw new UsageError('expected at least one -f FILE|DIR|-');
  const sources: Source[] = [];
  for (const path of paths) {
    if (path === '-') {
      sources.push({ name: '-', text: stdin() });
      continue;
    }
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      throw new UsageError(`${path}: no such file or directory`);
    }
    const files = isDir ? listDirectory(path) : [path];
    if (isDir && files.length === 0)
      throw new UsageError(`${path}: no .yaml, .yml or .json files in this directory`);
    for (const file of files) sources.push({ name: file, text: readFileSync(file, 'utf8') });
  }
  return sources;
}

/** Collects a repeatable option (`-f a -f b`) for commander. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
