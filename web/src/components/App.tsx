import { useEffect, useState } from 'preact/hooks';
import type { ComponentType } from 'preact';
import { useStore } from '../store';
import { parseOverlay } from '../views';
import { Auth } from './Auth';
import { Header } from './Header';
import { OfflineBanner } from './Offline';
import { QuickAdd } from './QuickAdd';
import { Sidebar } from './Sidebar';
import { Toolbar } from './Toolbar';
import { TaskList } from './TaskList';
import { Shortcuts } from './Shortcuts';
import { Toasts } from './Toasts';

/**
 * Hash routes: the views (#/, #/inbox, #/today, #/upcoming[/N], #/projects/:id, #/settings — see
 * views.ts), #/signin, #/signup, and the overlays #/tasks/new, #/tasks/:id, #/tasks/:id/history.
 */
export function App() {
  const s = useStore();

  if (!s.session)
    return (
      <>
        <OfflineBanner />
        <Auth mode={s.route === '#/signup' ? 'signup' : 'signin'} />
      </>
    );
  const overlay = parseOverlay(s.route);
  const settings = s.view.kind === 'settings';
  return (
    <>
      <a
        class="skip-link"
        href="#task-list"
        onClick={(e) => (e.preventDefault(), document.getElementById(settings ? 'main' : 'task-list')?.focus())}
      >
        {settings ? 'Skip to settings' : 'Skip to tasks'}
      </a>
      <Header />
      <OfflineBanner />
      <div class="shell">
        <Sidebar />
        <main class="main" id="main" tabIndex={-1}>
          {settings ? (
            <Lazy load={loadSettings} props={{}} inline />
          ) : (
            <>
              <QuickAdd />
              {s.view.kind === 'all' && <Toolbar />}
              <TaskList />
            </>
          )}
        </main>
      </div>
      {overlay?.kind === 'new' && <Lazy load={loadEditor} props={{}} key="enew" />}
      {overlay?.kind === 'edit' && <Lazy load={loadEditor} props={{ id: overlay.id }} key={`e${overlay.id}`} />}
      {overlay?.kind === 'history' && <Lazy load={loadHistory} props={{ id: overlay.id }} key={`h${overlay.id}`} />}
      <Toasts />
      <Shortcuts />
    </>
  );
}

type Props = { id?: number };
const loadEditor = () => import('../editor/Editor').then((m) => m.Editor as ComponentType<Props>);
const loadHistory = () => import('../editor/History').then((m) => m.History as ComponentType<Props>);
const loadSettings = () => import('../settings/Settings').then((m) => m.Settings as ComponentType<Props>);
/** Prefetch the editor chunk once the list is up, so opening a task feels instant. */
export const prefetchEditor = () => void loadEditor();

function Lazy({ load, props, inline }: { load: () => Promise<ComponentType<Props>>; props: Props; inline?: boolean }) {
  const [C, setC] = useState<ComponentType<Props> | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    load().then(
      (c) => setC(() => c),
      () => setFailed(true),
    );
  }, [load]);
  if (failed)
    return (
      <div class="overlay" role="alert">
        <div class="dialog">Could not load this screen. Check your connection and reload.</div>
      </div>
    );
  return C ? <C {...props} /> : <div class={inline ? undefined : 'overlay'} aria-busy="true" />;
}
