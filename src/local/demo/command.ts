import { fileURLToPath } from 'node:url';

/**
 * The command line that runs the demo service with this Node, as a Workload's `command`: the
 * compiled service beside this module, or under tests (TypeScript source) the same file through tsx.
 */
export function demoServiceCommand(): string[] {
  const fromSource = import.meta.url.endsWith('.ts');
  const service = fileURLToPath(new URL(fromSource ? './service.ts' : './service.js', import.meta.url));
  return fromSource
    ? [process.execPath, '--import', import.meta.resolve('tsx/esm'), service]
    : [process.execPath, service];
}
