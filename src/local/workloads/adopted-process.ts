import { EventEmitter } from 'node:events';
import { isSameProcess, type ProcessIdentity } from './process-identity.js';

/** How often an adopted process is checked; it is not our child, so no exit event tells us. */
const POLL_MS = 100;

/**
 * A live process a previous `serin run` started, taken over by this one. It offers the part of a
 * ChildProcess the supervisor uses (pid, exit state, a `close` event), but its end is seen by
 * polling its identity: it is not our child, so its exit status is unknown (`code` and `signal`
 * are both null), and a recycled pid is never mistaken for it.
 */
export class AdoptedProcess extends EventEmitter {
  readonly pid: number;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  private readonly timer: NodeJS.Timeout;
  private gone = false;

  constructor(private readonly identity: ProcessIdentity) {
    super();
    this.pid = identity.pid;
    this.timer = setInterval(() => {
      this.check();
    }, POLL_MS);
    this.timer.unref();
  }

  /** Whether it is still running. */
  get alive(): boolean {
    return !this.gone;
  }

  private check(): void {
    if (this.gone || isSameProcess(this.identity)) return;
    this.gone = true;
    clearInterval(this.timer);
    this.emit('exit', null, null);
    this.emit('close', null, null);
  }
}
