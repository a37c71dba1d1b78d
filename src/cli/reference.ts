/**
 * The CLI reference (docs/cli.md), rendered from the command definitions themselves: each
 * command's help exactly as `serin <command> --help` prints it, at a fixed width so the page does
 * not depend on the terminal that generated it. `npm run docs:cli` rewrites the page; a test fails
 * when the committed page differs from what the definitions render.
 */
import type { Command } from '@commander-js/extra-typings';
import { buildProgram, type CommandModule } from './program.js';

const WIDTH = 100;

const HEADER = `# CLI reference

Generated from the command definitions by \`npm run docs:cli\`; do not edit by hand (a test fails
when this page and the definitions differ). Every command also runs as \`kubectl serin …\`.

Exit codes: 0 success, 1 a negative answer (invalid input, a refused action, a failed rollout, a
lint error), 2 a usage error, 3 \`status --wait\` timed out.

Steering commands (\`status\`, \`promote\`, \`abort\`, \`pause\`, \`resume\`, \`set-weight\`,
\`retry\`) talk to a running \`serin run\` or a cluster: see
[local-mode.md](local-mode.md#steering-from-the-cli) for how the choice is made.
`;

function commandsOf(command: Command, path: string[]): { path: string[]; command: Command }[] {
  return command.commands.flatMap((sub) => {
    const subPath = [...path, sub.name()];
    return [{ path: subPath, command: sub as Command }, ...commandsOf(sub as Command, subPath)];
  });
}

function anchorOf(path: readonly string[]): string {
  return `serin-${path.join('-')}`.toLowerCase().replace(/[^a-z0-9-]/g, '');
}

export function renderCliReference(modules: readonly CommandModule[]): string {
  const program = buildProgram(modules);
  const all = commandsOf(program, []).sort((a, b) => a.path.join(' ').localeCompare(b.path.join(' ')));
  const index = all.map(
    ({ path, command }) =>
      `| [\`serin ${path.join(' ')}\`](#${anchorOf(path)}) | ${command.summary() || command.description().split('\n')[0] || ''} |`,
  );
  const sections = all.map(({ path, command }) => {
    command.configureHelp({ helpWidth: WIDTH });
    const help = command.helpInformation().trimEnd();
    return `## serin ${path.join(' ')}\n\n\`\`\`text\n${help}\n\`\`\`\n`;
  });
  return [HEADER, '| Command | What it does |\n| --- | --- |', ...index, '', ...sections].join('\n');
}
