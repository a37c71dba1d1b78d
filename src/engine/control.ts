import type { Canary } from '../api/canary.js';
import { strategyOf } from './analysis-config.js';
import { commandRefusal } from './command-rules.js';
import type { TickContext } from './context.js';
import { rollback, promote } from './outcomes.js';
import type { ControlAction, ControlCommand } from './ports.js';

export { commandRefusal };

/** {@link commandRefusal} for a Canary as last read: its status' phase and its spec's strategy. */
export function refusalFor(canary: Canary, action: ControlAction): string | undefined {
  return commandRefusal(action, canary.status?.phase, strategyOf(canary));
}

async function reject(ctx: TickContext, command: ControlCommand, why: string): Promise<void> {
  await ctx.decide(
    'CommandRejected',
    `${command.action.type} requested by ${command.by ?? 'unknown'}: ${why}`,
    'Warning',
  );
}

function who(command: ControlCommand): string {
  const reason = command.reason ? ` (${command.reason})` : '';
  return `${command.by ?? 'unknown'}${reason}`;
}

/** Commands that act on traffic or phase end the tick: the next one starts from what they did. */
const ENDS_TICK = new Set(['promote', 'abort', 'set-weight']);

async function apply(ctx: TickContext, command: ControlCommand): Promise<void> {
  const { action } = command;
  const refused = commandRefusal(action, ctx.phase, ctx.cfg.strategy);
  if (refused !== undefined) return reject(ctx, command, refused);
  switch (action.type) {
    case 'pause':
      ctx.status.paused = true;
      await ctx.decide('Paused', `paused by ${who(command)}: traffic and analysis frozen`);
      return;
    case 'resume':
      delete ctx.status.paused;
      await ctx.decide('Resumed', `resumed by ${who(command)}`);
      return;
    // Promote and abort end the run, and so any pause: a paused run would never finish either.
    case 'abort':
      delete ctx.status.paused;
      return rollback(ctx, `aborted by ${who(command)}`);
    case 'promote':
      delete ctx.status.paused;
      return promote(ctx, `promoted by ${who(command)}, remaining steps and gates skipped`);
    case 'set-weight':
      await ctx.setRoutes({
        primaryWeight: 100 - action.weight,
        canaryWeight: action.weight,
        mirrored: false,
      });
      await ctx.decide('SetWeight', `canary weight set to ${action.weight}% by ${who(command)}`);
      return;
    case 'retry':
      delete ctx.status.lastAppliedSpec;
      await ctx.decide('Retry', `retry of the failed revision requested by ${who(command)}`);
      return;
  }
}

/**
 * Applies each command once, in order, and says whether the tick should end here. The last applied id is kept in status: commands up to and
 * including it in the list were applied by an earlier tick.
 */
export async function applyCommands(ctx: TickContext, commands: readonly ControlCommand[]): Promise<boolean> {
  const seen = commands.findIndex((c) => c.id === ctx.status.lastCommandId);
  let endTick = false;
  for (const command of commands.slice(seen + 1)) {
    ctx.status.lastCommandId = command.id;
    const decisions = ctx.decisions.length;
    await apply(ctx, command);
    const rejected = ctx.decisions.slice(decisions).some((d) => d.action === 'CommandRejected');
    if (ENDS_TICK.has(command.action.type) && !rejected) endTick = true;
  }
  return endTick;
}
