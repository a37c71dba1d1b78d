/**
 * The detail page's answer to "what is running": for the primary and the canary, the version it
 * runs, ready and desired replicas, restarts, why it cannot serve and how it last exited, and
 * the last lines it wrote.
 */
import type { CanaryDetail } from './api.js';

type Health = NonNullable<CanaryDetail['workloads']['canary']>;
type SideView = CanaryDetail['sides']['canary'];

function lastExit(h: Health | undefined): string {
  const e = h?.lastExit;
  if (e === undefined) return '—';
  if (e.error !== undefined) return e.code === undefined ? e.error : `${e.error} (exit code ${e.code})`;
  if (e.signal !== undefined) return `signal ${e.signal}`;
  return e.code === undefined ? '—' : `exit code ${e.code}`;
}

function stateOf(health: Health | undefined): string {
  if (!health) return '—';
  if (health.desired === 0) return 'scaled down';
  return health.ready >= health.desired ? 'serving' : 'not ready';
}

function SideCard(props: { side: 'primary' | 'canary'; health: Health | undefined; view: SideView }) {
  const { side, health, view } = props;
  const troubled = health?.reason !== undefined;
  // The platform's own tail of a failing replica (status) says most; else the live log read now.
  const tail = troubled && (health.logTail?.length ?? 0) > 0 ? (health.logTail ?? []) : view.logTail;
  return (
    <section
      class={`side side-${side}${troubled ? ' unhealthy' : ''}`}
      aria-labelledby={`side-${side}`}
      id={`side-${side}`}
    >
      <h3 id={`side-${side}`}>{side === 'primary' ? 'Primary (stable)' : 'Canary'}</h3>
      <dl class="side-facts">
        <div>
          <dt>Version</dt>
          <dd class="version">{view.version ?? 'unknown'}</dd>
        </div>
        <div>
          <dt>Ready</dt>
          <dd class="replicas">{health ? `${health.ready}/${health.desired}` : '—'}</dd>
        </div>
        <div>
          <dt>Restarts</dt>
          <dd>{health?.restarts ?? '—'}</dd>
        </div>
        <div>
          <dt>State</dt>
          <dd>{troubled ? <strong class="error">{health.reason}</strong> : stateOf(health)}</dd>
        </div>
        <div>
          <dt>Last exit</dt>
          <dd>{lastExit(health)}</dd>
        </div>
      </dl>
      {health?.message ? <p class="side-message">{health.message}</p> : null}
      <h4>Last log lines{view.logSource ? ` (${view.logSource})` : ''}</h4>
      {tail.length > 0 ? (
        <pre class="log-tail" tabIndex={0}>
          {tail.join('\n')}
        </pre>
      ) : (
        <p class="note">No output yet.</p>
      )}
    </section>
  );
}

export function Workloads({ canary }: { canary: CanaryDetail }) {
  const { primary, canary: canarySide } = canary.workloads;
  return (
    <section aria-labelledby="workloads-title" class="panel" id="workloads">
      <h2 id="workloads-title">What is running</h2>
      {canarySide?.reason !== undefined ? (
        <p role="alert" class="error">
          The canary is not healthy ({canarySide.reason}): the rollout is halted, and rolls back at the
          progress deadline.
        </p>
      ) : null}
      <div class="sides">
        <SideCard side="primary" health={primary} view={canary.sides.primary} />
        <SideCard side="canary" health={canarySide} view={canary.sides.canary} />
      </div>
    </section>
  );
}
