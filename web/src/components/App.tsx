import { useEffect, useState } from 'preact/hooks';
import type { ComponentType } from 'preact';
import { onReconnect } from '../connection';
import { retryingImport } from '../lazy-import';
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
const editorChunk = retryingImport(() => import('../editor/Editor'));
const historyChunk = retryingImport(() => import('../editor/History'));
const settingsChunk = retryingImport(() => import('../settings/Settings'));
const loadEditor = () => editorChunk().then((m) => m.Editor as ComponentType<Props>);
const loadHistory = () => historyChunk().then((m) => m.History as ComponentType<Props>);
const loadSettings = () => settingsChunk().then((m) => m.Settings as ComponentType<Props>);
/** Prefetch the editor chunk once the list is up, so opening a task feels instant. */
export const prefetchEditor = () => void loadEditor();

function Lazy({ load, props, inline }: { load: () => Promise<ComponentType<Props>>; props: Props; inline?: boolean }) {
  const [C, setC] = useState<ComponentType<Props> | null>(null);
  const [failed, setFailed] = useState(false);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (c) => live && (setFailed(false), setC(() => c)),
      () => live && setFailed(true),
    );
    return () => void (live = false);
  }, [load, attempt]);
  // a chunk that failed while offline loads by itself when the connection is back
  useEffect(() => (failed ? onReconnect(() => setAttempt((n) => n + 1)) : undefined), [failed]);
  if (failed)
    return (
      <div class={inline ? undefined : 'overlay'} role="alert">
        <div class={inline ? 'form-error' : 'dialog'}>
          Could not load this screen. Check your connection: it loads when you are back online.{' '}
          <button type="button" class="btn small" onClick={() => setAttempt((n) => n + 1)}>
            Try again
          </button>
        </div>
      </div>
    );
  return C ? <C {...props} /> : <div class={inline ? undefined : 'overlay'} aria-busy="true" />;
}
