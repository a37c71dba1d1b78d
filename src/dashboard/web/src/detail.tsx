/** One Canary's whole story: weights, metrics over time, checks, judge, hooks, events, routing. */
import { ActionBar, useSteering, type Steering } from './actions.js';
import { api, type CanaryDetail, type HistoryPoint } from './api.js';
import { GATE_TYPES, LATENCY_PERCENTILE } from '../../vocabulary.js';
import { Chart } from './chart.js';
import { seriesByRun, valuesOf } from './series.js';
import { age, bounds, num, shortRevision, time } from './format.js';
import { JudgePanel } from './judge.js';
import { useLive } from './live.js';
import { PhaseBadge, WeightBar } from './overview.js';
import { WARNING_DECISIONS } from '../../../engine/decisions.js';
import { PlanPanel } from './plan.js';
import { Workloads } from './workloads.js';

const CANARY_COLOR = '#b3370b';
const PRIMARY_COLOR = '#1f4e99';

function Charts({ history }: { history: HistoryPoint[] }) {
  const data = seriesByRun(history);
  const last = history.at(-1);
  const versus = (pick: (p: HistoryPoint['canary']) => number | undefined) => [
    { label: 'canary', color: CANARY_COLOR, values: valuesOf(data, (p) => pick(p.canary)) },
    {
      label: 'primary',
      color: PRIMARY_COLOR,
      values: valuesOf(data, (p) => pick(p.primary)),
      dash: [6, 3],
    },
  ];
  const latest = (pick: (p: HistoryPoint['canary']) => number | undefined, unit: string): string =>
    last
      ? `latest canary ${num(pick(last.canary))}${unit}, primary ${num(pick(last.primary))}${unit}`
      : 'no data yet';
  return (
    <section aria-labelledby="charts-title" class="panel charts">
      <h2 id="charts-title">Over time</h2>
      <p class="note">One line per run: a new revision starts a new line.</p>
      <Chart
        title="Canary traffic weight (%)"
        range={() => [0, 100]}
        times={data.times}
        series={[
          { label: 'canary weight', color: CANARY_COLOR, values: valuesOf(data, (p) => p.canaryWeight) },
        ]}
        summary={last ? `latest ${last.canaryWeight}%` : 'no data yet'}
      />
      <Chart
        title="Success rate (%)"
        // Up to 100% and a little below the lowest value, so small differences stay visible.
        range={(min) => [Math.max(0, Math.floor(Math.min(min, 99.5) - 0.5)), 100]}
        times={data.times}
        series={versus((s) => s.successRate)}
        summary={latest((s) => s.successRate, '%')}
      />
      <Chart
        title={`Latency ${LATENCY_PERCENTILE} (ms)`}
        times={data.times}
        series={versus((s) => s.latencyMs)}
        summary={latest((s) => s.latencyMs, ' ms')}
      />
    </section>
  );
}

function Checks({ canary }: { canary: CanaryDetail }) {
  // The newest result of each check, in the order they were first seen.
  const latest = new Map(canary.checks.map((c) => [`${c.kind}/${c.name}`, c]));
  return (
    <section aria-labelledby="checks-title" class="panel">
      <h2 id="checks-title">Analysis checks</h2>
      {latest.size === 0 ? (
        <p class="note">No checks evaluated yet.</p>
      ) : (
        <table class="table" id="checks">
          <thead>
            <tr>
              <th scope="col">Check</th>
              <th scope="col">Kind</th>
              <th scope="col">Value</th>
              <th scope="col">Primary</th>
              <th scope="col">Bounds</th>
              <th scope="col">Verdict</th>
              <th scope="col">Detail</th>
              <th scope="col">Time</th>
            </tr>
          </thead>
          <tbody>
            {[...latest.values()].map((c) => (
              <tr key={`${c.kind}/${c.name}`}>
                <th scope="row">{c.name}</th>
                <td>{c.kind}</td>
                <td>{num(c.value)}</td>
                <td>{num(c.primaryValue)}</td>
                <td>{bounds(c.min, c.max)}</td>
                <td>
                  <span class={`verdict verdict-${c.verdict}`}>{c.verdict}</span>
                </td>
                <td>{c.message ?? ''}</td>
                <td>
                  <time dateTime={c.time}>{time(c.time)}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Webhooks({
  canary,
  steering,
  readOnly,
}: {
  canary: CanaryDetail;
  steering: Steering;
  readOnly: boolean;
}) {
  return (
    <section aria-labelledby="hooks-title" class="panel">
      <h2 id="hooks-title">Webhooks and gates</h2>
      {canary.webhooks.length === 0 ? (
        <p class="note">No webhooks configured.</p>
      ) : (
        <table class="table" id="webhooks">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Last result</th>
              <th scope="col">Gate</th>
            </tr>
          </thead>
          <tbody>
            {canary.webhooks.map((h) => (
              <tr key={h.name}>
                <th scope="row">
                  {h.name}
                  <div class="url">{h.url}</div>
                </th>
                <td>{h.type}</td>
                <td>
                  {h.lastResult ? (
                    <span>
                      <span class={`verdict verdict-${h.lastResult.ok ? 'pass' : 'fail'}`}>
                        {h.lastResult.ok ? 'ok' : 'failed'}
                      </span>{' '}
                      {h.lastResult.message} at{' '}
                      <time dateTime={h.lastResult.time}>{time(h.lastResult.time)}</time>
                    </span>
                  ) : (
                    'not called yet'
                  )}
                </td>
                <td>
                  {GATE_TYPES.includes(h.type) ? (
                    <span>
                      <strong
                        class={`gate-state gate-${h.open === undefined ? 'unknown' : h.open ? 'open' : 'closed'}`}
                      >
                        {h.open === undefined ? 'unknown' : h.open ? 'Open' : 'Closed'}
                      </strong>{' '}
                      <button
                        type="button"
                        disabled={readOnly || steering.busy}
                        onClick={() => {
                          steering.request({ type: 'gate', gate: h.name, open: h.open !== true });
                        }}
                      >
                        {h.open === true ? `Close ${h.name}` : `Open ${h.name}`}
                      </button>
                    </span>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

interface LogLine {
  time: string;
  kind: string;
  warning: boolean;
  reason: string;
  message: string;
  by: string | undefined;
}

function EventLog({ canary }: { canary: CanaryDetail }) {
  // Platforms often publish each decision as an event too: show such a decision once.
  const published = new Set(canary.events.map((e) => `${e.reason}\n${e.message}`));
  const lines: LogLine[] = [
    ...canary.decisions
      .filter((d) => !published.has(`${d.action}\n${d.reason}`))
      .map((d) => ({
        time: d.time,
        kind: 'decision',
        warning: (WARNING_DECISIONS as readonly string[]).includes(d.action) || d.phase === 'Failed',
        reason: d.action,
        message: `${d.reason}${d.canaryWeight === undefined ? '' : ` (weight ${d.canaryWeight}%)`}`,
        by: undefined,
      })),
    ...canary.events.map((e) => ({
      time: e.time,
      kind: 'event',
      warning: e.type === 'Warning',
      reason: e.reason,
      message: e.message,
      by: e.by,
    })),
  ]
    // Oldest first (stable, so same-time lines keep the order they happened in), then newest on top.
    .sort((a, b) => a.time.localeCompare(b.time))
    .reverse();
  return (
    <section aria-labelledby="log-title" class="panel">
      <h2 id="log-title">Events and decisions</h2>
      {lines.length === 0 ? (
        <p class="note">Nothing happened yet.</p>
      ) : (
        <ol class="log" id="event-log">
          {lines.slice(0, 200).map((l, i) => (
            <li key={`${l.time}-${i}`} class={l.warning ? 'warning' : ''}>
              <time dateTime={l.time}>{time(l.time)}</time> <span class="log-kind">{l.kind}</span>{' '}
              <strong>{l.reason}</strong> {l.message}
              {l.by ? <span class="by"> — by {l.by}</span> : null}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function Routing({ canary }: { canary: CanaryDetail }) {
  return (
    <section aria-labelledby="routing-title" class="panel">
      <h2 id="routing-title">Routing objects</h2>
      {canary.routing.length === 0 ? <p class="note">No routing objects reported.</p> : null}
      {canary.routing.map((r) => (
        <details key={`${r.kind}/${r.name}`}>
          <summary>
            {r.kind} {r.name}
          </summary>
          <pre tabIndex={0}>{r.yaml}</pre>
        </details>
      ))}
    </section>
  );
}

function Conditions({ canary }: { canary: CanaryDetail }) {
  if (canary.conditions.length === 0) return null;
  return (
    <ul class="conditions">
      {canary.conditions.map((c) => (
        <li key={c.type}>
          {c.type}: <strong>{c.status}</strong> {c.reason ? `(${c.reason})` : ''} {c.message ?? ''}
        </li>
      ))}
    </ul>
  );
}

function Summary({ canary }: { canary: CanaryDetail }) {
  return (
    <div class="panel summary">
      <dl>
        <div>
          <dt>Phase</dt>
          <dd>
            <PhaseBadge phase={canary.phase} /> {canary.paused ? <span class="tag">paused</span> : null}
          </dd>
        </div>
        <div>
          <dt>Weight (canary / primary)</dt>
          <dd id="current-weight">
            <WeightBar canary={canary.canaryWeight} primary={canary.primaryWeight} />
          </dd>
        </div>
        <div>
          <dt>Strategy</dt>
          <dd>{canary.strategy}</dd>
        </div>
        <div>
          <dt>Revision</dt>
          <dd>
            <code>{shortRevision(canary.revision)}</code>
          </dd>
        </div>
        <div>
          <dt>Age</dt>
          <dd>{age(canary.createdAt)}</dd>
        </div>
        <div>
          <dt>Failed checks</dt>
          <dd>{canary.status.failedChecks ?? 0}</dd>
        </div>
      </dl>
      <Conditions canary={canary} />
    </div>
  );
}

export function Detail(props: { namespace: string; name: string; readOnly: boolean }) {
  const { namespace, name, readOnly } = props;
  const key = `${namespace}/${name}`;
  const matches = (c: { namespace: string; name: string }): boolean =>
    c.namespace === namespace && c.name === name;
  const detail = useLive(() => api.detail(namespace, name), matches, `detail:${key}`);
  const history = useLive(() => api.history(namespace, name), matches, `history:${key}`);
  const steering = useSteering(namespace, name, () => {
    detail.reload();
  });
  const canary = detail.data;
  return (
    <article aria-labelledby="canary-title">
      <p>
        <a href="#/">← All canaries</a>
      </p>
      <h1 id="canary-title">
        {namespace}/{name}
      </h1>
      {detail.error ? (
        <p role="alert" class="error">
          Could not load {key}: {detail.error}
        </p>
      ) : null}
      {canary ? (
        <>
          <p class="sr-only" aria-live="polite" id="live-summary">
            {`${canary.phase}, canary weight ${canary.canaryWeight}%`}
          </p>
          <Summary canary={canary} />
          <ActionBar canary={canary} steering={steering} readOnly={readOnly} />
          <PlanPanel plan={canary.plan} />
          <Workloads canary={canary} />
          <Charts history={history.data ?? []} />
          <Checks canary={canary} />
          <JudgePanel judge={canary.judge} />
          <Webhooks canary={canary} steering={steering} readOnly={readOnly} />
          <EventLog canary={canary} />
          <Routing canary={canary} />
        </>
      ) : detail.error ? null : (
        <p class="note">Loading…</p>
      )}
    </article>
  );
}
