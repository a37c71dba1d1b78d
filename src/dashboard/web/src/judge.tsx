/** The sequential judge's evidence: its verdict, the effect estimate with its interval, the rest. */
import type { CanaryDetail } from './api.js';
import { num } from './format.js';

type Judge = NonNullable<CanaryDetail['judge']>;

interface Effect {
  estimate: number;
  lower: number | undefined;
  upper: number | undefined;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function pair(value: unknown): [number, number] | undefined {
  if (Array.isArray(value) && value.length === 2 && isNum(value[0]) && isNum(value[1]))
    return [value[0], value[1]];
  if (typeof value === 'object' && value !== null) {
    const { lower, upper } = value as { lower?: unknown; upper?: unknown };
    if (isNum(lower) && isNum(upper)) return [lower, upper];
  }
  return undefined;
}

/** Finds an effect estimate and its interval under the names a judge commonly uses. */
export function effectOf(evidence: Record<string, unknown>): Effect | undefined {
  const estimate = [evidence.effect, evidence.estimate, evidence.difference].find(isNum);
  if (estimate === undefined) return undefined;
  const interval =
    pair(evidence.interval) ??
    pair(evidence.confidenceInterval) ??
    pair(evidence.ci) ??
    pair({ lower: evidence.lower, upper: evidence.upper });
  return { estimate, lower: interval?.[0], upper: interval?.[1] };
}

function show(value: unknown): string {
  if (isNum(value)) return num(value, 4);
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** A line from the lower to the upper bound with the estimate marked, against zero. */
function IntervalBar({ effect }: { effect: Effect }) {
  const { estimate, lower = estimate, upper = estimate } = effect;
  const span = Math.max(Math.abs(lower), Math.abs(upper), Math.abs(estimate), 1e-9) * 1.1;
  const x = (v: number): number => 150 + (v / span) * 140;
  return (
    <svg class="interval" viewBox="0 0 300 30" width="300" height="30" aria-hidden="true">
      <line x1="150" x2="150" y1="2" y2="28" stroke="#555" stroke-dasharray="3 3" />
      <line x1={x(lower)} x2={x(upper)} y1="15" y2="15" stroke="#1f4e99" stroke-width="4" />
      <circle cx={x(estimate)} cy="15" r="5" fill="#b3370b" />
    </svg>
  );
}

export function JudgePanel({ judge }: { judge: Judge | undefined }) {
  if (!judge) {
    return (
      <section aria-labelledby="judge-title" class="panel">
        <h2 id="judge-title">Sequential judge</h2>
        <p class="note">No judge is configured for this canary, or it has not evaluated yet.</p>
      </section>
    );
  }
  const effect = effectOf(judge.evidence);
  const rest = Object.entries(judge.evidence);
  return (
    <section aria-labelledby="judge-title" class="panel">
      <h2 id="judge-title">Sequential judge</h2>
      <p>
        Verdict: <strong class={`verdict verdict-${judge.verdict ?? 'none'}`}>{judge.verdict ?? '—'}</strong>
        {judge.reason ? <span> — {judge.reason}</span> : null}
      </p>
      {effect ? (
        <p id="judge-effect">
          Effect (canary − primary): <strong>{num(effect.estimate, 4)}</strong>
          {effect.lower !== undefined ? (
            <span>
              {' '}
              interval [{num(effect.lower, 4)}, {num(effect.upper, 4)}]
            </span>
          ) : null}
          <IntervalBar effect={effect} />
        </p>
      ) : null}
      {rest.length > 0 ? (
        <dl class="evidence">
          {rest.map(([key, value]) => (
            <div key={key}>
              <dt>{key}</dt>
              <dd>{show(value)}</dd>
            </div>
          ))}
        </dl>
      ) : null}
    </section>
  );
}
