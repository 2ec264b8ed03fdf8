import { useEffect, useState } from 'preact/hooks';
import { dialogOpen } from '../keys';
import { dismissToast, useStore } from '../store';
import { Icon } from './Field';

/**
 * Toasts: at most two (store.ts), at the bottom. While a dialog is open they are held back, out
 * of sight, so they never cover its buttons; the live region still announces them, and their
 * time runs out only once they can be seen. An Undo has a shortcut (U or Ctrl/Cmd+Z), announced
 * with the message.
 */
export function Toasts() {
  const { toasts, drawer } = useStore();
  const held = useDialogOpen() || drawer;
  return (
    <div class={`toasts${held ? ' held' : ''}`} role="status" aria-live="polite" data-testid="toasts">
      {toasts.map((t) => {
        const undo = t.action?.label === 'Undo';
        return (
          <div key={t.id} class={`toast ${t.tone ?? 'info'}`}>
            <span>
              {t.message}
              {undo && <span class="sr-only">. Press U to undo.</span>}
            </span>
            {t.action && (
              <button
                type="button"
                class="btn small"
                aria-keyshortcuts={undo ? 'U Control+Z Meta+Z' : undefined}
                title={undo ? 'Undo (U or Ctrl+Z)' : undefined}
                onClick={() => {
                  t.action?.run();
                  dismissToast(t.id);
                }}
              >
                {t.action.label}
              </button>
            )}
            <button type="button" class="icon-btn small" aria-label="Dismiss" onClick={() => dismissToast(t.id)}>
              <Icon name="close" size={16} />
            </button>
          </div>
        );
      })}
    </div>
  );
}

/** Follows the dialogs (they mark <body> while open: modal-open, drawer-open) without a store entry per dialog. */
function useDialogOpen(): boolean {
  const [open, setOpen] = useState(dialogOpen);
  useEffect(() => {
    const mo = new MutationObserver(() => setOpen(dialogOpen()));
    mo.observe(document.body, { attributes: true, attributeFilter: ['class'], childList: true });
    return () => mo.disconnect();
  }, []);
  return open;
}
