/** The engine's step plan: every step, the current one marked, and when promotion is expected. */
import type { CanarySummary } from './api.js';
import { time } from './format.js';

type Plan = CanarySummary['plan'];

/** `in about 2m 30s`, from now to an ISO time. */
function until(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((Date.parse(iso) - now) / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

/** The overview's short form: `step 3/6, promotion in 40s` or `step 3/6, paused`. */
export function planSummary(plan: Plan): string {
  const step = `step ${Math.max(0, plan.current + 1)}/${plan.steps.length}`;
  if (plan.promotionEta !== undefined) return `${step}, promotion in ${until(plan.promotionEta)}`;
  return `${step}, ${plan.noEtaReason ?? 'no estimate'}`;
}

export function PlanPanel({ plan }: { plan: Plan }) {
  return (
    <section aria-labelledby="plan-title" class="panel" id="plan">
      <h2 id="plan-title">Plan</h2>
      <ol class="plan-steps">
        {plan.steps.map((step, i) => (
          <li
            key={`${step.kind}-${i}`}
            class={i === plan.current ? 'current' : i < plan.current ? 'done' : 'ahead'}
            aria-current={i === plan.current ? 'step' : undefined}
          >
            {step.label}
          </li>
        ))}
      </ol>
      <p id="plan-eta">
        {plan.promotionEta !== undefined ? (
          <>
            Promotion expected at <time dateTime={plan.promotionEta}>{time(plan.promotionEta)}</time> (in
            about {until(plan.promotionEta)}), one analysis interval ({plan.intervalMs / 1000}s) per step, if
            every check passes.
          </>
        ) : (
          <>No promotion estimate: {plan.noEtaReason ?? 'unknown'}.</>
        )}
      </p>
    </section>
  );
}
