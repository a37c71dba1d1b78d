import { describe, expect, it } from 'vitest';
import { buildProgram, ExitCode, runProgram, UsageError } from './program.js';

describe('serin program exit codes', () => {
  const program = () =>
    buildProgram([
      (p) =>
        p
          .command('ok')
          .option('-n, --number <n>')
          .action((opts) => {
            if (opts.number !== undefined && Number.isNaN(Number(opts.number))) {
              throw new UsageError(`--number: expected a number, got ${opts.number}`);
            }
          }),
      (p) =>
        p.command('fail').action(() => {
          process.exitCode = ExitCode.failure;
        }),
    ]);

  it('exits 0 for a command that succeeds and for --help', async () => {
    process.exitCode = undefined;
    expect(await runProgram(program(), ['ok'])).toBe(0);
  });

  it('exits 1 when a command reports failure', async () => {
    process.exitCode = undefined;
    expect(await runProgram(program(), ['fail'])).toBe(1);
    process.exitCode = undefined;
  });

  it('exits 2 for an unknown command, an unknown flag or a bad flag value', async () => {
    process.exitCode = undefined;
    expect(await runProgram(program(), ['nope'])).toBe(2);
    expect(await runProgram(program(), ['ok', '--bogus'])).toBe(2);
    expect(await runProgram(program(), ['ok', '--number', 'abc'])).toBe(2);
  });
});
