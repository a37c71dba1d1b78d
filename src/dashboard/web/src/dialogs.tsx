/** Modal dialogs built on <dialog>: the browser traps focus and closes them with Escape. */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

interface DialogProps {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
}

function Modal({ title, onClose, children }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      aria-labelledby="dialog-title"
      onCancel={(e) => {
        // Escape: the owner unmounts the dialog. Listening to `close` instead would also hear the
        // close that unmounting itself causes, after the owner has moved on to the next dialog.
        e.preventDefault();
        onClose();
      }}
    >
      <h2 id="dialog-title">{title}</h2>
      {children}
    </dialog>
  );
}

export function ConfirmDialog(props: {
  title: string;
  message: string;
  confirmLabel: string;
  danger: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <Modal title={props.title} onClose={props.onCancel}>
      <p>{props.message}</p>
      <div class="dialog-buttons">
        <button type="button" class={props.danger ? 'danger' : 'primary'} onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
        <button type="button" onClick={props.onCancel} autofocus>
          Cancel
        </button>
      </div>
    </Modal>
  );
}

export function TokenDialog(props: {
  reason?: string;
  onSubmit: (token: string) => void;
  onCancel: () => void;
}) {
  const [value, setValue] = useState('');
  return (
    <Modal title="Token required" onClose={props.onCancel}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim() !== '') props.onSubmit(value.trim());
        }}
      >
        {props.reason ? (
          <p role="alert" class="error">
            {props.reason}
          </p>
        ) : null}
        <p>Actions need the dashboard's token. It is kept in this browser tab only.</p>
        <label for="token-input">Dashboard token</label>
        <input
          id="token-input"
          type="password"
          autocomplete="off"
          required
          value={value}
          onInput={(e) => {
            setValue(e.currentTarget.value);
          }}
          autofocus
        />
        <div class="dialog-buttons">
          <button type="submit" class="primary">
            Continue
          </button>
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}
