/**
 * CLI start-up benchmark: the CPU time (user + sys) of common commands, as ratios to a bare
 * `node -e 0` and to `kubectl version --client`, all measured in the same run and interleaved
 * round by round so that other load on the machine falls on every command alike.
 *
 * Each child's CPU time is read from this process's /proc/self/stat (cutime + cstime: the CPU of
 * children it has waited for), before and after the child runs; it is the median over the rounds.
 * The CLI runs from dist/ (`npm run build:js` first), as an installed package does.
 *
 *   npx tsx bench/cli/main.ts [--rounds N] [--json]
 *
 * Target: `serin --help` and `serin validate` within 5x of `node -e 0`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const SERIN = join(ROOT, 'bin', 'serin.js');
const VALIDATE_INPUT = join(ROOT, 'examples', 'seeds', 'flagger-podinfo');
const TARGET_RATIO = 5;

const args = process.argv.slice(2);
const json = args.includes('--json');
const roundsAt = args.indexOf('--rounds');
const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : 15;
if (!Number.isInteger(rounds) || rounds < 1)
  throw new Error('--rounds: expected a whole number of 1 or more');

/** Clock ticks per second of /proc's times: USER_HZ, 100 on every Linux this runs on. */
const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU seconds of the children this process has waited for so far. */
function childrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // cutime and cstime are fields 16 and 17 of the whole line, 14 and 15 after "pid (comm) ".
  return (Number(fields[13]) + Number(fields[14])) / clockTicks;
}

interface Subject {
  name: string;
  command: string;
  args: string[];
  /** What the command must exit with, so that a broken command is not measured as a fast one. */
  exitCode: number;
}

const subjects: Subject[] = [
  { name: 'node -e 0', command: process.execPath, args: ['-e', '0'], exitCode: 0 },
  { name: 'kubectl version --client', command: 'kubectl', args: ['version', '--client'], exitCode: 0 },
  { name: 'serin --help', command: process.execPath, args: [SERIN, '--help'], exitCode: 0 },
  {
    name: 'serin validate',
    command: process.execPath,
    args: [SERIN, 'validate', '-f', VALIDATE_INPUT],
    exitCode: 0,
  },
  { name: 'serin version', command: process.execPath, args: [SERIN, 'version'], exitCode: 0 },
];

function measureOnce(subject: Subject): number {
  const before = childrenCpuSeconds();
  const result = spawnSync(subject.command, subject.args, {
    cwd: ROOT,
    stdio: 'ignore',
    env: { ...process.env, NO_COLOR: '1' },
  });
  if (result.error) throw new Error(`${subject.name}: ${result.error.message}`);
  if (result.status !== subject.exitCode)
    throw new Error(`${subject.name}: exited ${String(result.status)}, expected ${subject.exitCode}`);
  return childrenCpuSeconds() - before;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js')))
  throw new Error('dist/ is missing: run npm run build:js');
const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
const measured = subjects.filter((s) => hasKubectl || s.command !== 'kubectl');
const samples = new Map<string, number[]>(measured.map((s) => [s.name, []]));
for (let round = 0; round < rounds; round++)
  for (const subject of measured) samples.get(subject.name)?.push(measureOnce(subject));

const cpu = (name: string): number | undefined => {
  const values = samples.get(name);
  return values === undefined ? undefined : median(values);
};
const node = cpu('node -e 0') ?? 0;
const kubectl = cpu('kubectl version --client');
const results = measured.map((s) => {
  const seconds = cpu(s.name) ?? 0;
  return {
    command: s.name,
    cpuSeconds: Number(seconds.toFixed(3)),
    vsNode: node > 0 ? Number((seconds / node).toFixed(2)) : undefined,
    vsKubectl: kubectl !== undefined && kubectl > 0 ? Number((seconds / kubectl).toFixed(2)) : undefined,
  };
});
const targets = ['serin --help', 'serin validate'].map((name) => {
  const ratio = results.find((r) => r.command === name)?.vsNode;
  return { command: name, ratio, target: TARGET_RATIO, met: ratio !== undefined && ratio <= TARGET_RATIO };
});

if (json) {
  process.stdout.write(`${JSON.stringify({ rounds, clockTicks, results, targets }, null, 2)}\n`);
} else {
  const rows = [
    ['COMMAND', 'CPU (s, median)', 'x node -e 0', 'x kubectl --client'],
    ...results.map((r) => [
      r.command,
      r.cpuSeconds.toFixed(3),
      String(r.vsNode ?? '-'),
      String(r.vsKubectl ?? '-'),
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  for (const row of rows)
    process.stdout.write(`${row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('   ')}\n`);
  process.stdout.write(`\n${rounds} rounds; CPU time has a resolution of 1/${clockTicks} s per run.\n`);
  for (const t of targets)
    process.stdout.write(
      `${t.command}: ${String(t.ratio)}x node -e 0 (target ${t.target}x): ${t.met ? 'met' : 'NOT met'}\n`,
    );
}
