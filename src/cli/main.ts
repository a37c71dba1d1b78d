import { runCommand } from './commands/run.js';
import { validateCommand } from './commands/validate.js';
import { buildProgram, runProgram, type CommandModule } from './program.js';

// Every command registers itself here; keep the list sorted.
const commands: CommandModule[] = [runCommand, validateCommand];

const program = buildProgram(commands);
process.exitCode = await runProgram(program, process.argv.slice(2));
