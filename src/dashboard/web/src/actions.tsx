/** Steering a rollout: each action asks for confirmation when it matters, then for the token. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { commandRefusal } from '../../../engine/command-rules.js';
import type { ControlAction } from '../../../engine/ports.js';
import { sendAction, type CanaryDetail, type DashboardAction } from './api.js';
import { ConfirmDialog, TokenDialog } from './dialogs.js';
import { storedToken, storeToken } from './token.js';

interface Outcome {
  ok: boolean;
  text: string;
}

type Stage =
  | { step: 'idle' }
  | { step: 'confirm'; action: DashboardAction }
  | { step: 'token'; action: DashboardAction; reason?: string }
  | { step: 'sending'; action: DashboardAction };

export function label(action: DashboardAction): string {
  switch (action.type) {
    case 'set-weight':
      return `Set weight to ${action.weight}%`;
    case 'gate':
      return `${action.open ? 'Open' : 'Close'} gate ${action.gate}`;
    default:
      return action.type.charAt(0).toUpperCase() + action.type.slice(1);
  }
}

function consequence(action: DashboardAction, name: string): string | undefined {
  switch (action.type) {
    case 'abort':
      return `Abort the rollout of ${name}: all traffic goes back to the primary and the canary is scaled down.`;
    case 'promote':
      return `Promote ${name} now: the canary's version replaces the primary, skipping the remaining analysis.`;
    case 'set-weight':
      return `Send ${action.weight}% of ${name}'s traffic to the canary.`;
    case 'gate':
      return action.open ? `Open gate ${action.gate}: the rollout of ${name} may pass it.` : undefined;
    default:
      return undefined;
  }
}

export interface Steering {
  request: (action: DashboardAction) => void;
  busy: boolean;
  view: JSX.Element;
}

/** The action flow for one Canary: confirmation, token prompt, sending, and the visible outcome. */
export function useSteering(namespace: string, name: string, onDone: () => void): Steering {
  const [stage, setStage] = useState<Stage>({ step: 'idle' });
  const [outcome, setOutcome] = useState<Outcome | undefined>(undefined);

  const send = (action: DashboardAction, token: string): void => {
    setStage({ step: 'sending', action });
    sendAction(namespace, name, action, token)
      .then((result) => {
        if (result.status === 401) {
          storeToken(undefined);
          setOutcome({ ok: false, text: `${label(action)} refused: ${result.message}` });
          setStage({ step: 'token', action, reason: result.message });
          return;
        }
        setOutcome({
          ok: result.accepted,
          text: `${label(action)}: ${result.accepted ? '' : 'refused: '}${result.message}`,
        });
        setStage({ step: 'idle' });
        onDone();
      })
      .catch((e: unknown) => {
        setOutcome({
          ok: false,
          text: `${label(action)} failed: ${e instanceof Error ? e.message : String(e)}`,
        });
        setStage({ step: 'idle' });
      });
  };

  const proceed = (action: DashboardAction): void => {
    const token = storedToken();
    if (token === undefined) setStage({ step: 'token', action });
    else send(action, token);
  };

  const request = (action: DashboardAction): void => {
    setOutcome(undefined);
    if (consequence(action, name) !== undefined) setStage({ step: 'confirm', action });
    else proceed(action);
  };

  const cancel = (): void => {
    setStage({ step: 'idle' });
  };

  const view = (
    <>
      <div
        id="action-outcome"
        class={outcome ? (outcome.ok ? 'outcome ok' : 'outcome error') : 'outcome'}
        role="status"
        aria-live="assertive"
      >
        {outcome?.text ?? ''}
      </div>
      {stage.step === 'confirm' ? (
        <ConfirmDialog
          title={`${label(stage.action)}?`}
          message={consequence(stage.action, name) ?? ''}
          confirmLabel={label(stage.action)}
          danger={stage.action.type === 'abort' || stage.action.type === 'promote'}
          onConfirm={() => {
            proceed(stage.action);
          }}
          onCancel={cancel}
        />
      ) : null}
      {stage.step === 'token' ? (
        <TokenDialog
          {...(stage.reason ? { reason: stage.reason } : {})}
          onSubmit={(token) => {
            storeToken(token);
            send(stage.action, token);
          }}
          onCancel={cancel}
        />
      ) : null}
    </>
  );
  return { request, busy: stage.step === 'sending', view };
}

/** Why the engine would refuse an action for this Canary now (the engine's own rule), if it would. */
function refusalFor(canary: CanaryDetail, action: ControlAction['type']): string | undefined {
  const phase = canary.phase === 'Unknown' ? undefined : canary.phase;
  const strategy = canary.strategy === 'blue-green-mirror' ? 'blue-green' : canary.strategy;
  return commandRefusal(action, phase, strategy);
}

function ActionButton(props: {
  action: DashboardAction & ControlAction;
  canary: CanaryDetail;
  steering: Steering;
  blocked: boolean;
  kind?: string;
}) {
  const { action, canary, steering, blocked, kind } = props;
  const refusal = refusalFor(canary, action.type);
  const id = `why-not-${action.type}`;
  return (
    <span class="action">
      <button
        type="button"
        {...(kind ? { class: kind } : {})}
        disabled={blocked || refusal !== undefined}
        title={refusal ?? label(action)}
        {...(refusal !== undefined ? { 'aria-describedby': id } : {})}
        onClick={() => {
          steering.request(action);
        }}
      >
        {label(action)}
      </button>
      {refusal !== undefined ? (
        <span class="why-not sr-only" id={id}>
          {refusal}
        </span>
      ) : null}
    </span>
  );
}

export function ActionBar(props: { canary: CanaryDetail; steering: Steering; readOnly: boolean }) {
  const { canary, steering, readOnly } = props;
  const [weight, setWeight] = useState('');
  const disabled = readOnly || steering.busy;
  const weightValue = Number(weight);
  const weightValid =
    weight !== '' && Number.isInteger(weightValue) && weightValue >= 0 && weightValue <= 100;
  const weightRefusal = refusalFor(canary, 'set-weight');
  const finished = refusalFor(canary, 'promote') !== undefined && refusalFor(canary, 'abort') !== undefined;
  return (
    <section aria-labelledby="actions-title" class="panel actions">
      <h2 id="actions-title">Actions</h2>
      {readOnly ? (
        <p class="note" id="read-only-note">
          Read-only: start the dashboard with a token (<code>--token-file</code>) to act from here.
        </p>
      ) : null}
      {finished ? (
        <p class="note" id="finished-note">
          Promote and Abort do not apply in phase {canary.phase}: {refusalFor(canary, 'promote')}.
        </p>
      ) : null}
      <div class="buttons" role="group" aria-label="Rollout actions">
        <ActionButton
          action={{ type: 'promote' }}
          kind="primary"
          canary={canary}
          steering={steering}
          blocked={disabled}
        />
        <ActionButton
          action={{ type: 'abort' }}
          kind="danger"
          canary={canary}
          steering={steering}
          blocked={disabled}
        />
        <ActionButton
          action={{ type: canary.paused ? 'resume' : 'pause' }}
          canary={canary}
          steering={steering}
          blocked={disabled}
        />
        {canary.phase === 'Failed' ? (
          <ActionButton action={{ type: 'retry' }} canary={canary} steering={steering} blocked={disabled} />
        ) : null}
        <form
          class="set-weight"
          onSubmit={(e) => {
            e.preventDefault();
            if (weightValid) steering.request({ type: 'set-weight', weight: weightValue });
          }}
        >
          <label for="weight-input">Canary weight (%)</label>
          <input
            id="weight-input"
            type="number"
            min={0}
            max={100}
            step={1}
            inputMode="numeric"
            value={weight}
            disabled={disabled || weightRefusal !== undefined}
            title={weightRefusal}
            onInput={(e) => {
              setWeight(e.currentTarget.value);
            }}
          />
          <button
            type="submit"
            disabled={disabled || !weightValid || weightRefusal !== undefined}
            title={weightRefusal ?? 'Set the canary weight'}
          >
            Set weight
          </button>
        </form>
      </div>
      {steering.view}
    </section>
  );
}
