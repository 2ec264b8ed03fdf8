import { dismissToast, useStore } from '../store';
import { Icon } from './Field';

export function Toasts() {
  const { toasts } = useStore();
  return (
    <div class="toasts" role="status" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} class={`toast ${t.tone ?? 'info'}`}>
          <span>{t.message}</span>
          {t.action && (
            <button
              type="button"
              class="btn small"
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
      ))}
    </div>
  );
}
