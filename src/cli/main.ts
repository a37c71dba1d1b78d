import { COMMANDS } from './definitions/index.js';
import { buildProgram, runProgram } from './program.js';

process.exitCode = await runProgram(buildProgram(COMMANDS), process.argv.slice(2));
