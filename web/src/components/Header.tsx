import { useEffect, useRef, useState } from 'preact/hooks';
import { setState, useStore, type Theme } from '../store';
import { signOut } from '../session';
import { Icon } from './Field';
import { NotificationPanel } from './Notifications';
import { openShortcuts } from './Shortcuts';

const NEXT_THEME: Record<Theme, Theme> = { system: 'light', light: 'dark', dark: 'system' };
const THEME_LABEL: Record<Theme, string> = { system: 'System theme', light: 'Light theme', dark: 'Dark theme' };

export function Header() {
  const s = useStore();
  const [open, setOpen] = useState(false);
  const bell = useRef<HTMLButtonElement>(null);
  const liveText = !s.online || s.live === 'off' ? 'Offline' : s.live === 'live' ? 'Live' : 'Reconnecting…';

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        bell.current?.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [open]);

  return (
    <header class="topbar">
      <button
        id="menu-button"
        type="button"
        class="icon-btn menu-btn"
        aria-label="Menu"
        aria-expanded={s.drawer}
        aria-controls="sidebar"
        onClick={() => setState({ drawer: !s.drawer })}
      >
        <Icon name="menu" />
      </button>
      <a class="brand" href="#/" aria-label="Taskstream, all tasks">
        <span class="logo" aria-hidden="true" />
        <span class="brand-name">Taskstream</span>
      </a>
      <span class={`live live-${s.online ? s.live : 'off'}`} title={`Live updates: ${liveText}`}>
        <span class="dot" aria-hidden="true" />
        <span class="live-text">{liveText}</span>
      </span>
      <div class="topbar-actions">
        <button
          type="button"
          class="icon-btn"
          onClick={() => setState({ theme: NEXT_THEME[s.theme] })}
          aria-label={`${THEME_LABEL[s.theme]} (switch to ${THEME_LABEL[NEXT_THEME[s.theme]].toLowerCase()})`}
          title={THEME_LABEL[s.theme]}
        >
          <Icon name={s.theme === 'dark' ? 'moon' : s.theme === 'light' ? 'sun' : 'auto'} />
        </button>
        <button
          type="button"
          class="icon-btn hide-sm"
          onClick={openShortcuts}
          aria-label="Keyboard shortcuts"
          aria-keyshortcuts="?"
          title="Keyboard shortcuts (?)"
        >
          <Icon name="keyboard" />
        </button>
        <div class="bell-wrap">
          <button
            ref={bell}
            type="button"
            class="icon-btn bell"
            aria-expanded={open}
            aria-controls="notification-panel"
            aria-label={`Notifications, ${s.unread} unread`}
            onClick={() => setOpen(!open)}
            data-testid="bell"
          >
            <Icon name="bell" />
            {s.unread > 0 && (
              <span class="badge" aria-hidden="true" data-testid="unread-count">
                {s.unread > 99 ? '99+' : s.unread}
              </span>
            )}
          </button>
          {open && <NotificationPanel onClose={() => setOpen(false)} />}
        </div>
        <span class="account" title={s.session?.email}>
          {s.session?.email}
        </span>
        <button type="button" class="btn ghost" onClick={signOut}>
          Sign out
        </button>
      </div>
    </header>
  );
}
