/** The detail page's workload section: each side's replicas, restarts and why it cannot serve. */
import type { CanaryDetail } from './api.js';

type Health = NonNullable<CanaryDetail['workloads']['canary']>;

function lastExit(h: Health): string {
  const e = h.lastExit;
  if (e === undefined) return '—';
  if (e.error !== undefined) return e.code === undefined ? e.error : `${e.error} (exit code ${e.code})`;
  if (e.signal !== undefined) return `signal ${e.signal}`;
  return e.code === undefined ? '—' : `exit code ${e.code}`;
}

function Row({ side, health }: { side: string; health: Health }) {
  const troubled = health.reason !== undefined;
  return (
    <tr class={troubled ? 'unhealthy' : undefined}>
      <th scope="row">{side}</th>
      <td>
        {health.ready}/{health.desired}
      </td>
      <td>{health.restarts}</td>
      <td>{troubled ? <strong class="error">{health.reason}</strong> : 'ok'}</td>
      <td>{lastExit(health)}</td>
      <td>{health.message ?? ''}</td>
    </tr>
  );
}

export function Workloads({ canary }: { canary: CanaryDetail }) {
  const { primary, canary: canarySide } = canary.workloads;
  if (primary === undefined && canarySide === undefined) return null;
  const tail = canarySide?.reason !== undefined ? (canarySide.logTail ?? []) : [];
  return (
    <section aria-labelledby="workloads-title" class="panel" id="workloads">
      <h2 id="workloads-title">Workloads</h2>
      {canarySide?.reason !== undefined ? (
        <p role="alert" class="error">
          The canary is not healthy ({canarySide.reason}): the rollout is halted, and rolls back at the
          progress deadline.
        </p>
      ) : null}
      <table class="table">
        <thead>
          <tr>
            <th scope="col">Side</th>
            <th scope="col">Ready</th>
            <th scope="col">Restarts</th>
            <th scope="col">Reason</th>
            <th scope="col">Last exit</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {primary ? <Row side="primary" health={primary} /> : null}
          {canarySide ? <Row side="canary" health={canarySide} /> : null}
        </tbody>
      </table>
      {tail.length > 0 ? (
        <>
          <h3>Last log lines of the canary</h3>
          <pre class="log-tail">{tail.join('\n')}</pre>
        </>
      ) : null}
    </section>
  );
}
