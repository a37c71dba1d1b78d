import { Command, CommanderError } from '@commander-js/extra-typings';
import { PACKAGE_VERSION } from './package-info.js';

/** Exit codes scripts can rely on. */
export const ExitCode = {
  ok: 0,
  /** The command ran and the answer is "no": invalid input, a failed rollout, a lint error. */
  failure: 1,
  /** The command line itself was wrong. */
  usage: 2,
  /** The command gave up waiting before the answer was known (`status --wait --timeout`). */
  timeout: 3,
} as const;

/** Thrown by commands for a bad flag or argument that commander's own parser cannot see. */
export class UsageError extends Error {}

/**
 * A command module adds itself to the program: one definition per command under
 * `src/cli/definitions/`, cheap to load, whose action imports its implementation from
 * `src/cli/commands/` when it runs, so `serin --help` loads no command's dependencies.
 */
export type CommandModule = (program: Command) => void;

export function buildProgram(modules: readonly CommandModule[]): Command {
  const program = new Command('serin')
    .description('Progressive delivery for Kubernetes and Istio, and on one machine with no cluster.')
    .version(PACKAGE_VERSION, '-v, --version')
    .showHelpAfterError()
    .exitOverride();
  for (const add of modules) add(program);
  for (const sub of program.commands) sub.exitOverride();
  return program;
}

/** Parses and runs; maps every outcome to an exit code instead of letting an exception escape. */
export async function runProgram(program: Command, argv: readonly string[]): Promise<number> {
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return process.exitCode === undefined ? ExitCode.ok : Number(process.exitCode);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.ok;
      if (error.code === 'commander.help') return ExitCode.ok;
      return ExitCode.usage;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n`);
      return ExitCode.usage;
    }
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return ExitCode.failure;
  }
}
