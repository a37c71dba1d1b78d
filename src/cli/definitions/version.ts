import { Option } from '@commander-js/extra-typings';
import type { CommandModule } from '../program.js';
import { CONTROLLER_IMAGE, PACKAGE_VERSION } from '../package-info.js';

export const versionCommand: CommandModule = (program) => {
  program
    .command('version')
    .description('Print the version of serin, the Node.js it runs on, and the controller image it installs')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['json', 'yaml']))
    .action(async (opts) => {
      const info = {
        serinVersion: PACKAGE_VERSION,
        nodeVersion: process.version,
        controllerImage: CONTROLLER_IMAGE,
      };
      if (opts.output === undefined) {
        process.stdout.write(
          `Serin Version: ${info.serinVersion}\nNode Version: ${info.nodeVersion}\nController Image: ${info.controllerImage}\n`,
        );
        return;
      }
      const { printStructured } = await import('../output.js');
      printStructured(info, opts.output);
    });
};
