import type { ChildProcess } from 'node:child_process';

/**
 * Server processes a suite started, killed when the test process exits, so a suite that fails
 * before its `stop()` leaves no orphan server holding a port for the next one.
 */
const live = new Map<ChildProcess, (child: ChildProcess) => void>();
let exitHookInstalled = false;

export function reapAtExit(
  child: ChildProcess,
  kill: (child: ChildProcess) => void = (c) => c.kill('SIGKILL'),
): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const [c, k] of live) k(c);
    });
  }
  live.set(child, kill);
  child.once('exit', () => live.delete(child));
}
