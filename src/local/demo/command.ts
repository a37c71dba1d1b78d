import { fileURLToPath } from 'node:url';

/** The command line that runs the demo service with this Node and tsx, as a Workload's `command`. */
export function demoServiceCommand(): string[] {
  const service = fileURLToPath(new URL('./service.ts', import.meta.url));
  return [process.execPath, '--import', import.meta.resolve('tsx/esm'), service];
}
