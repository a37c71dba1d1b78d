/**
 * The sequential judge's evidence as the engine stored it: one group per test (errors, latency),
 * each with its effect estimate and interval, its statistic against the threshold that fails the
 * canary, and every other number it reported.
 */
import type { CanaryDetail } from './api.js';
import { sig } from './format.js';

type Judge = NonNullable<CanaryDetail['judge']>;
type Record_ = Record<string, unknown>;

export interface Effect {
  estimate: number;
  lower: number | undefined;
  upper: number | undefined;
  unit: string;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isRecord = (v: unknown): v is Record_ => typeof v === 'object' && v !== null && !Array.isArray(v);

function pair(value: unknown): [number, number] | undefined {
  if (Array.isArray(value) && value.length === 2 && isNum(value[0]) && isNum(value[1]))
    return [value[0], value[1]];
  if (isRecord(value) && isNum(value.lower) && isNum(value.upper)) return [value.lower, value.upper];
  return undefined;
}

/** Finds an effect estimate and its interval under the names judges use (`effectMs`, `lowerMs`, ...). */
export function effectOf(group: Record_): Effect | undefined {
  for (const suffix of ['Ms', '']) {
    const estimate = [
      group[`effect${suffix}`],
      group[`estimate${suffix}`],
      group[`difference${suffix}`],
    ].find(isNum);
    if (estimate === undefined) continue;
    const interval =
      pair(group.interval) ??
      pair(group.confidenceInterval) ??
      pair(group.ci) ??
      pair({ lower: group[`lower${suffix}`], upper: group[`upper${suffix}`] });
    return { estimate, lower: interval?.[0], upper: interval?.[1], unit: suffix === 'Ms' ? ' ms' : '' };
  }
  return undefined;
}

/** The statistic that grows with evidence against the canary, and the value at which it fails. */
function strengthOf(group: Record_): { value: number; threshold: number } | undefined {
  const value = [group.bayesFactor, group.statistic].find(isNum);
  return value !== undefined && isNum(group.threshold) ? { value, threshold: group.threshold } : undefined;
}

function flatten(group: Record_, prefix = ''): [string, string][] {
  return Object.entries(group).flatMap(([key, value]): [string, string][] => {
    if (isRecord(value)) return flatten(value, `${prefix}${key}.`);
    if (isNum(value)) return [[`${prefix}${key}`, sig(value)]];
    if (value === null) return [[`${prefix}${key}`, '—']];
    return [[`${prefix}${key}`, typeof value === 'string' ? value : JSON.stringify(value)]];
  });
}

const signed = (v: number, unit: string): string => `${v > 0 ? '+' : ''}${sig(v)}${unit}`;

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

function EvidenceGroup({ name, group }: { name: string; group: Record_ }) {
  const effect = effectOf(group);
  const strength = strengthOf(group);
  return (
    <div class="evidence-group">
      <h3>{name}</h3>
      {effect ? (
        <div id={`judge-effect-${name}`}>
          Effect (canary − primary): <strong>{signed(effect.estimate, effect.unit)}</strong>
          {effect.lower !== undefined && effect.upper !== undefined ? (
            <span>
              , interval [{signed(effect.lower, effect.unit)}, {signed(effect.upper, effect.unit)}]
            </span>
          ) : null}
          <IntervalBar effect={effect} />
        </div>
      ) : null}
      {strength ? (
        <div class="strength">
          <label for={`judge-strength-${name}`}>
            Evidence against the canary: {sig(strength.value)} of {sig(strength.threshold)} to fail
          </label>
          <meter
            id={`judge-strength-${name}`}
            min={0}
            max={strength.threshold}
            value={Math.min(strength.value, strength.threshold)}
          />
        </div>
      ) : null}
      <dl class="evidence">
        {flatten(group).map(([key, value]) => (
          <div key={key}>
            <dt>{key}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

/**
 * The judge's verdict in three words: `continue` (still collecting evidence), `pass` (shown not
 * worse: the judge's `pass-early`), `fail`.
 */
function verdictOf(verdict: string | undefined): string {
  if (verdict === 'pass-early') return 'pass';
  return verdict ?? 'none';
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
  const { observation, ...rest } = judge.evidence;
  const groups = Object.entries(rest).filter((e): e is [string, Record_] => isRecord(e[1]));
  const loose = Object.fromEntries(Object.entries(rest).filter(([, v]) => !isRecord(v)));
  return (
    <section aria-labelledby="judge-title" class="panel" id="judge">
      <h2 id="judge-title">Sequential judge</h2>
      <p>
        {/* Shown as what it is: continue is not pass, and without evidence it is unknown. */}
        Verdict:{' '}
        {judge.insufficient ? (
          <strong class="verdict verdict-unknown">no evidence</strong>
        ) : (
          <strong class={`verdict verdict-${verdictOf(judge.verdict)}`} id="judge-verdict">
            {verdictOf(judge.verdict)}
          </strong>
        )}
        {judge.insufficient ? <span> — {judge.insufficient}</span> : null}
        {judge.reason && !judge.insufficient ? <span> — {judge.reason}</span> : null}
      </p>
      {Object.keys(loose).length > 0 ? <EvidenceGroup name="evidence" group={loose} /> : null}
      {groups.map(([name, group]) => (
        <EvidenceGroup key={name} name={name} group={group} />
      ))}
      {isRecord(observation) ? (
        <details>
          <summary>Observation the judge saw</summary>
          <pre tabIndex={0}>{JSON.stringify(observation, null, 2)}</pre>
        </details>
      ) : null}
    </section>
  );
}
