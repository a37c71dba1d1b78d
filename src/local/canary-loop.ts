import type { Canary, CanaryStatus } from '../api/canary.js';
import { TickScheduler } from '../common/scheduler.js';
import { advance, analysisIntervalMs, evidenceDueAt, type TickResult } from '../engine/index.js';
import type { ControlCommand, Ports } from '../engine/ports.js';

export interface CanaryLoopOptions {
  ports: Ports;
  /** Told after every tick, with the status it ended on. */
  onTick(canary: Canary, result: TickResult): void;
  onError(canary: Canary, error: unknown): void;
}

/**
 * Drives one Canary on the shared scheduler: a tick every analysis interval, and one at once
 * whenever something happens (a control command, a new revision). Early ticks apply what they
 * carry; the engine's pacing decides whether they may also take a step.
 */
export class CanaryLoop {
  private readonly commands: ControlCommand[] = [];
  private readonly scheduler: TickScheduler;

  constructor(
    private canary: Canary,
    private readonly options: CanaryLoopOptions,
  ) {
    this.scheduler = new TickScheduler(() => this.tick(), analysisIntervalMs(canary), { keepAlive: true });
  }

  get current(): Canary {
    return this.canary;
  }

  start(): void {
    this.kick();
  }

  /** A new spec (manifest edited); the status carries over. */
  update(spec: Canary): void {
    this.canary = { ...spec, status: this.canary.status };
    this.scheduler.setInterval(analysisIntervalMs(this.canary));
    this.kick();
  }

  setStatus(status: CanaryStatus): void {
    this.canary = { ...this.canary, status };
  }

  command(command: ControlCommand): void {
    this.commands.push(command);
    this.kick();
  }

  /** Runs a tick as soon as the current one (if any) ends. */
  kick(): void {
    this.scheduler.trigger();
  }

  /** Waits for the tick in progress and stops scheduling more. */
  async stop(): Promise<void> {
    await this.scheduler.stop();
  }

  private async tick(): Promise<number | undefined> {
    const commands = this.commands.splice(0);
    try {
      const result = await advance(this.canary, this.options.ports, commands);
      this.canary = { ...this.canary, status: result.status };
      this.options.onTick(this.canary, result);
      return evidenceDueAt(this.canary, result.status);
    } catch (error) {
      this.options.onError(this.canary, error);
      return undefined;
    }
  }
}
