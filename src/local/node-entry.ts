import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A module to start in a new Node process, beside the calling module (`metaUrl`): its file,
 * TypeScript source or built JavaScript as the caller is, and the `execArgv` it needs (the tsx
 * loader when running from source).
 */
export function nodeEntry(metaUrl: string, name: string): { file: string; execArgv: string[] } {
  const self = fileURLToPath(metaUrl);
  const fromSource = self.endsWith('.ts');
  return {
    file: join(self, '..', `${name}${fromSource ? '.ts' : '.js'}`),
    execArgv: fromSource ? ['--import', import.meta.resolve('tsx/esm')] : [],
  };
}
