import { analyzeCommand } from './commands/analyze.js';
import { applyCommand } from './commands/apply.js';
import { controlCommand } from './commands/control.js';
import { controllerCommand } from './commands/controller.js';
import { dashboardCommand } from './commands/dashboard.js';
import { demoCommand } from './commands/demo.js';
import { gatesCommand } from './commands/gates.js';
import { generateCommand } from './commands/generate.js';
import { getCommand } from './commands/get.js';
import { installCommand } from './commands/install.js';
import { lintCommand } from './commands/lint.js';
import { migrateCommand } from './commands/migrate.js';
import { routeCommand } from './commands/route.js';
import { runCommand } from './commands/run.js';
import { statusCommand } from './commands/status.js';
import { validateCommand } from './commands/validate.js';
import { buildProgram, runProgram, type CommandModule } from './program.js';

// Every command registers itself here; keep the list sorted.
const commands: CommandModule[] = [
  analyzeCommand,
  applyCommand,
  controlCommand,
  controllerCommand,
  dashboardCommand,
  demoCommand,
  gatesCommand,
  generateCommand,
  getCommand,
  installCommand,
  lintCommand,
  migrateCommand,
  routeCommand,
  runCommand,
  statusCommand,
  validateCommand,
];

const program = buildProgram(commands);
process.exitCode = await runProgram(program, process.argv.slice(2));
