/** Every command's definition, cheap to load: each action imports its implementation when it runs. */
import type { CommandModule } from '../program.js';
import { analyzeCommand } from './analyze.js';
import { applyCommand } from './apply.js';
import { completionCommand } from './completion.js';
import { controlCommand } from './control.js';
import { controllerCommand } from './controller.js';
import { dashboardCommand } from './dashboard.js';
import { demoCommand } from './demo.js';
import { gatesCommand } from './gates.js';
import { generateCommand } from './generate.js';
import { getCommand } from './get.js';
import { installCommand } from './install.js';
import { lintCommand } from './lint.js';
import { migrateCommand } from './migrate.js';
import { routeCommand } from './route.js';
import { runCommand } from './run.js';
import { statusCommand } from './status.js';
import { validateCommand } from './validate.js';
import { versionCommand } from './version.js';

// Keep the list sorted.
export const COMMANDS: readonly CommandModule[] = [
  analyzeCommand,
  applyCommand,
  completionCommand,
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
  versionCommand,
];
