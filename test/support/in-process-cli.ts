/**
 * Runs CLI command modules inside the test process (the spawned binary costs seconds of
 * TypeScript compilation per run on a loaded machine): the same parser, actions and exit codes,
 * with stdout and stderr captured.
 */
import { buildProgram, runProgram, type CommandModule } from '../../src/cli/program.js';

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

let running = Promise.resolve();

/** Runs one command line; calls are serialised because they share process.stdout and exitCode. */
export function runCommand(
  modules: readonly CommandModule[],
  args: readonly string[],
  onStdout?: (text: string) => void,
): Promise<InProcessResult> {
  const result = running.then(async () => {
    let stdout = '';
    let stderr = '';
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    process.stdout.write = (chunk: string | Uint8Array) => {
      stdout += chunk.toString();
      onStdout?.(stdout);
      return true;
    };
    process.stderr.write = (chunk: string | Uint8Array) => {
      stderr += chunk.toString();
      return true;
    };
    process.exitCode = undefined;
    try {
      const code = await runProgram(buildProgram(modules), args);
      return { code, stdout, stderr };
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
      process.exitCode = undefined;
    }
  });
  running = result.then(
    () => undefined,
    () => undefined,
  );
  return result;
}
