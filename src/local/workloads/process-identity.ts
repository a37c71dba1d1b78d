import { readFileSync } from 'node:fs';

/**
 * Who a pid is: its argv and its start time in clock ticks since boot (`/proc/<pid>/stat` field
 * 22, what `ps -o lstart` reads). A pid is reused once its process is gone; the start time of the
 * new process differs, so the pair (start time, argv) names one process for the life of the boot.
 */
export interface ProcessIdentity {
  pid: number;
  startTime: number;
  argv: string[];
}

/** The identity of a live process, or undefined when no such pid exists (or it is a zombie). */
export function processIdentity(pid: number): ProcessIdentity | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  let stat: string;
  let cmdline: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = statFields(stat);
  // Field 3 is the state; a zombie has exited and only waits for its parent to reap it.
  if (fields === undefined || fields[2] === 'Z') return undefined;
  const startTime = Number(fields[21]);
  if (!Number.isSafeInteger(startTime)) return undefined;
  return { pid, startTime, argv: cmdline.split('\0').filter((part) => part !== '') };
}

/**
 * The fields of `/proc/<pid>/stat`, numbered from 1 as in proc(5) (index 0 is field 1). Field 2,
 * the command name, is in parentheses and may itself hold spaces and parentheses, so the rest is
 * split after the last `)`.
 */
function statFields(stat: string): string[] | undefined {
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = stat.slice(0, open).trim();
  const comm = stat.slice(open + 1, close);
  return [
    pid,
    comm,
    ...stat
      .slice(close + 1)
      .trim()
      .split(/\s+/),
  ];
}

/** Whether `recorded` is still the process running under its pid: same start time, same argv. */
export function isSameProcess(recorded: ProcessIdentity): boolean {
  const live = processIdentity(recorded.pid);
  if (live === undefined) return false;
  return (
    live.startTime === recorded.startTime &&
    live.argv.length === recorded.argv.length &&
    live.argv.every((part, i) => part === recorded.argv[i])
  );
}
