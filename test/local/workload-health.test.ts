/**
 * A canary that cannot start, or exits at once, is a halted canary with the reason in view: in
 * status (`status.workloads.canary`), as a Warning decision, in the dashboard's JSON API and in
 * `serin status` (local), then a rollback once the progress deadline passes. Real processes: a
 * command that does not exist, and a Node process that prints an error and exits 3.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkloadHealth } from '../../src/api/canary.js';
import { statusCommand } from '../../src/cli/definitions/status.js';
import { ExitCode } from '../../src/cli/program.js';
import type { CanaryDetail } from '../../src/dashboard/backend.js';
import { runCommand } from '../support/in-process-cli.js';
import {
  canaryDoc,
  demoWorkload,
  finalPhase,
  phaseIs,
  startLocal,
  until,
  type LocalHarness,
} from './support.js';

const NAME = 'web';
const DEADLINE_SECONDS = 8;

function failingWorkload(version: string, command: string[]) {
  const doc = demoWorkload(NAME, version);
  return { ...doc, spec: { ...doc.spec, command } };
}

async function dashboardDetail(h: LocalHarness): Promise<CanaryDetail> {
  const res = await request(`${h.session.info.api}/api/canaries/default/${NAME}`);
  expect(res.statusCode).toBe(200);
  return (await res.body.json()) as CanaryDetail;
}

const canaryHealth = (h: LocalHarness): WorkloadHealth | undefined => h.status().workloads?.canary;

describe('workload health in local mode', { timeout: 120_000 }, () => {
  let h: LocalHarness;

  beforeAll(async () => {
    const canary = canaryDoc(NAME, { stepWeight: 50, maxWeight: 50 });
    h = await startLocal(demoWorkload(NAME, 'v1'), {
      ...canary,
      spec: { ...canary.spec, progressDeadlineSeconds: DEADLINE_SECONDS },
    });
    await until('initialization', phaseIs(h, 'Initialized'));
  }, 60_000);
  afterAll(async () => {
    await h.close();
  });

  it('halts a canary whose command does not exist with the spawn error, then rolls back at the deadline', async () => {
    const revision = await h.apply(failingWorkload('v2', ['serin-test-no-such-command']));
    const halted = await until('the canary to be reported unhealthy', () => {
      const s = h.status();
      return s.lastAppliedSpec === revision && s.decisions?.find((d) => d.action === 'CanaryUnhealthy');
    });
    expect(halted.reason).toMatch(/CrashLoopBackOff.*spawn serin-test-no-such-command ENOENT/);
    expect(h.status()).toMatchObject({ phase: 'Progressing', canaryWeight: 0 });
    const health = canaryHealth(h);
    expect(health).toMatchObject({ ready: 0, desired: 1, reason: 'CrashLoopBackOff' });
    expect(health?.lastExit?.error).toContain('ENOENT');
    expect(health?.lastExit?.code).toBeUndefined();

    const detail = await dashboardDetail(h);
    expect(detail.workloads.canary?.reason).toBe('CrashLoopBackOff');
    expect(detail.workloads.canary?.lastExit?.error).toContain('ENOENT');
    expect(detail.events.some((e) => e.reason === 'CanaryUnhealthy' && e.message.includes('ENOENT'))).toBe(
      true,
    );

    const view = await runCommand([statusCommand], ['status', NAME, '--api', h.session.info.api]);
    expect(view.code, view.stderr).toBe(0);
    expect(view.stdout).toMatch(/Canary: +CrashLoopBackOff, 0\/1 ready.*ENOENT/);

    expect(await finalPhase(h, revision)).toBe('Failed');
    const rollback = h.status().decisions?.findLast((d) => d.action === 'Rollback')?.reason ?? '';
    expect(rollback).toMatch(/progress deadline of 8s exceeded/);
    expect(rollback).toContain('ENOENT');
  });

  it('halts a canary that exits 3 at once with the exit code and its last log lines, then rolls back', async () => {
    const script = "console.error('fatal: DATABASE_URL is not set'); process.exit(3)";
    const revision = await h.apply(failingWorkload('v3', [process.execPath, '-e', script]));
    await until('the exit to be reported', () => {
      const health = canaryHealth(h);
      return h.status().lastAppliedSpec === revision && health?.lastExit?.code === 3 && health;
    });
    const health = canaryHealth(h);
    expect(health?.reason).toBe('CrashLoopBackOff');
    expect(health?.logTail?.join('\n')).toContain('fatal: DATABASE_URL is not set');
    const detail = await dashboardDetail(h);
    expect(detail.workloads.canary?.lastExit?.code).toBe(3);
    // The record of the previous run's canary (ENOENT) is not shown as this run's.
    expect(detail.workloads.canary?.lastExit?.error).toBeUndefined();
    expect(detail.checks.every((c) => Date.parse(c.time) >= Date.parse(h.status().runStartedAt ?? ''))).toBe(
      true,
    );

    // CI waiting on this revision gets the rollback as exit code 1.
    const wait = await runCommand(
      [statusCommand],
      ['status', NAME, '--state-dir', h.session.info.stateDir, '--wait', '--timeout', '60s'],
    );
    expect(wait.code).toBe(ExitCode.failure);
    expect(wait.stderr).toMatch(/rolled back: .*exit code 3/);
    expect(h.status().phase).toBe('Failed');
    expect(h.status().lastAppliedSpec).toBe(revision);
  });

  // After a rollback or a promotion scaled the canary down, its record follows it: the status and
  // the dashboard show no replicas, and no reason or log lines of processes that no longer run.
  const scaledDown = (health: WorkloadHealth | undefined) =>
    health !== undefined &&
    health.ready === 0 &&
    health.desired === 0 &&
    health.reason === undefined &&
    health.logTail === undefined;

  it('refreshes the canary record once the rollback has stopped it', async () => {
    expect(h.status().phase).toBe('Failed');
    await until('the rolled-back canary to be seen stopped', () => scaledDown(canaryHealth(h)));
    const detail = await dashboardDetail(h);
    expect(detail.workloads.canary).toMatchObject({ ready: 0, desired: 0, restarts: 0 });
    expect(detail.workloads.canary?.lastExit).toBeUndefined();
  });

  it('refreshes the canary record once the promotion has stopped it', async () => {
    const revision = await h.apply(demoWorkload(NAME, 'v4'));
    await until('the healthy canary to be seen ready', () => {
      const health = canaryHealth(h);
      return h.status().lastAppliedSpec === revision && health?.ready === 1 && health.desired === 1;
    });
    expect(await finalPhase(h, revision)).toBe('Succeeded');
    await until('the promoted canary to be seen stopped', () => scaledDown(canaryHealth(h)));
    const detail = await dashboardDetail(h);
    expect(detail.workloads.canary).toMatchObject({ ready: 0, desired: 0 });
    const view = await runCommand([statusCommand], ['status', NAME, '--api', h.session.info.api]);
    expect(view.code, view.stderr).toBe(0);
    expect(view.stdout).toMatch(/Canary: .*0\/0 ready/);
  });
});
