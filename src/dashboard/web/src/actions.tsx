/** Steering a rollout: each action asks for confirmation when it matters, then for the token. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
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

export function ActionBar(props: { canary: CanaryDetail; steering: Steering; readOnly: boolean }) {
  const { canary, steering, readOnly } = props;
  const [weight, setWeight] = useState('');
  const disabled = readOnly || steering.busy;
  const weightValue = Number(weight);
  const weightValid =
    weight !== '' && Number.isInteger(weightValue) && weightValue >= 0 && weightValue <= 100;
  return (
    <section aria-labelledby="actions-title" class="panel actions">
      <h2 id="actions-title">Actions</h2>
      {readOnly ? (
        <p class="note" id="read-only-note">
          Read-only: start the dashboard with a token (<code>--token-file</code>) to act from here.
        </p>
      ) : null}
      <div class="buttons" role="group" aria-label="Rollout actions">
        <button
          type="button"
          class="primary"
          disabled={disabled}
          onClick={() => {
            steering.request({ type: 'promote' });
          }}
        >
          Promote
        </button>
        <button
          type="button"
          class="danger"
          disabled={disabled}
          onClick={() => {
            steering.request({ type: 'abort' });
          }}
        >
          Abort
        </button>
        {canary.paused ? (
          <button
            type="button"
            disabled={disabled}
            onClick={() => {
              steering.request({ type: 'resume' });
            }}
          >
            Resume
          </button>
        ) : (
          <button
            type="button"
            disabled={disabled}
            onClick={() => {
              steering.request({ type: 'pause' });
            }}
          >
            Pause
          </button>
        )}
        {canary.phase === 'Failed' ? (
          <button
            type="button"
            disabled={disabled}
            onClick={() => {
              steering.request({ type: 'retry' });
            }}
          >
            Retry
          </button>
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
            disabled={disabled}
            onInput={(e) => {
              setWeight(e.currentTarget.value);
            }}
          />
          <button type="submit" disabled={disabled || !weightValid}>
            Set weight
          </button>
        </form>
      </div>
      {steering.view}
    </section>
  );
}
