/** Every Canary in one table, filterable by namespace and phase. */
import { useState } from 'preact/hooks';
import { api, type CanarySummary } from './api.js';
import { age, shortRevision, time } from './format.js';
import { useLive } from './live.js';
import { planSummary } from './plan.js';
import { canaryHref } from './router.js';

export function PhaseBadge({ phase }: { phase: string }) {
  return <span class={`phase phase-${phase.toLowerCase()}`}>{phase}</span>;
}

export function WeightBar({ canary, primary }: { canary: number; primary: number }) {
  return (
    <span class="weights">
      <span class="weight-text">
        {canary}% / {primary}%
      </span>
      <span class="weight-bar" aria-hidden="true">
        <span class="weight-fill" style={{ width: `${Math.min(100, Math.max(0, canary))}%` }} />
      </span>
    </span>
  );
}

function Filters(props: {
  items: CanarySummary[];
  namespace: string;
  phase: string;
  onNamespace: (v: string) => void;
  onPhase: (v: string) => void;
}) {
  const namespaces = [...new Set(props.items.map((c) => c.namespace))].sort();
  const phases = [...new Set(props.items.map((c) => c.phase))].sort();
  return (
    <div class="filters" role="search" aria-label="Filter canaries">
      <label for="filter-namespace">Namespace</label>
      <select
        id="filter-namespace"
        value={props.namespace}
        onChange={(e) => {
          props.onNamespace(e.currentTarget.value);
        }}
      >
        <option value="">All namespaces</option>
        {namespaces.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
      <label for="filter-phase">Phase</label>
      <select
        id="filter-phase"
        value={props.phase}
        onChange={(e) => {
          props.onPhase(e.currentTarget.value);
        }}
      >
        <option value="">All phases</option>
        {phases.map((p) => (
          <option key={p} value={p}>
            {p}
          </option>
        ))}
      </select>
    </div>
  );
}

function Row({ c }: { c: CanarySummary }) {
  return (
    <tr>
      <td>{c.namespace}</td>
      <td>
        <a href={canaryHref(c.namespace, c.name)}>{c.name}</a>
        {c.paused ? <span class="tag">paused</span> : null}
      </td>
      <td>
        <PhaseBadge phase={c.phase} />
      </td>
      <td>
        <WeightBar canary={c.canaryWeight} primary={c.primaryWeight} />
      </td>
      <td>
        <code>{shortRevision(c.revision)}</code>
      </td>
      <td>{c.strategy}</td>
      <td class="plan-summary">{planSummary(c.plan)}</td>
      <td>{age(c.createdAt)}</td>
      <td>
        {c.lastDecision ? (
          <span>
            <time dateTime={c.lastDecision.time}>{time(c.lastDecision.time)}</time> {c.lastDecision.action}:{' '}
            {c.lastDecision.reason}
          </span>
        ) : (
          '—'
        )}
      </td>
    </tr>
  );
}

interface Filters {
  namespace: string;
  phase: string;
}

function filtersFromHash(): Filters {
  const query = new URLSearchParams(location.hash.split('?')[1] ?? '');
  return { namespace: query.get('namespace') ?? '', phase: query.get('phase') ?? '' };
}

export function Overview() {
  const { data, error } = useLive(api.list, () => true, 'overview');
  const [filters, setFilters] = useState(filtersFromHash);
  const { namespace, phase } = filters;
  const update = (next: Filters): void => {
    setFilters(next);
    // Kept in the address so a filtered view can be bookmarked or shared.
    const query = new URLSearchParams(Object.entries(next).filter(([, v]) => v !== '')).toString();
    history.replaceState(null, '', query === '' ? '#/' : `#/?${query}`);
  };
  const setNamespace = (value: string): void => {
    update({ ...filters, namespace: value });
  };
  const setPhase = (value: string): void => {
    update({ ...filters, phase: value });
  };
  const items = data ?? [];
  const shown = items
    .filter((c) => (namespace === '' || c.namespace === namespace) && (phase === '' || c.phase === phase))
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Canaries</h1>
      {error ? (
        <p role="alert" class="error">
          Could not load canaries: {error}
        </p>
      ) : null}
      <Filters
        items={items}
        namespace={namespace}
        phase={phase}
        onNamespace={setNamespace}
        onPhase={setPhase}
      />
      <p class="sr-only" aria-live="polite">
        {data ? `${shown.length} of ${items.length} canaries shown` : ''}
      </p>
      <table class="table" id="canaries">
        <caption class="sr-only">Canaries with their phase, traffic weights and last decision</caption>
        <thead>
          <tr>
            <th scope="col">Namespace</th>
            <th scope="col">Name</th>
            <th scope="col">Phase</th>
            <th scope="col">Weight (canary / primary)</th>
            <th scope="col">Revision</th>
            <th scope="col">Strategy</th>
            <th scope="col">Progress</th>
            <th scope="col">Age</th>
            <th scope="col">Last decision</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((c) => (
            <Row key={`${c.namespace}/${c.name}`} c={c} />
          ))}
        </tbody>
      </table>
      {data && shown.length === 0 ? <p class="note">No canaries match.</p> : null}
      {!data && !error ? <p class="note">Loading…</p> : null}
    </section>
  );
}
