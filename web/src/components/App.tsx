import { useEffect, useState } from 'preact/hooks';
import type { ComponentType } from 'preact';
import { useStore } from '../store';
import { Auth } from './Auth';
import { Header } from './Header';
import { QuickAdd } from './QuickAdd';
import { Toolbar } from './Toolbar';
import { TaskList } from './TaskList';
import { Toasts } from './Toasts';

/** Hash routes: #/ (list), #/signin, #/signup, #/tasks/new, #/tasks/:id, #/tasks/:id/history. */
function parseRoute(hash: string): { view: 'list' | 'new' | 'edit' | 'history'; id?: number } {
  const m = /^#\/tasks\/(new|\d+)(\/history)?$/.exec(hash);
  if (!m) return { view: 'list' };
  if (m[1] === 'new') return { view: 'new' };
  return { view: m[2] ? 'history' : 'edit', id: Number(m[1]) };
}

export function App() {
  const s = useStore();

  if (!s.session) return <Auth mode={s.route === '#/signup' ? 'signup' : 'signin'} />;
  const route = parseRoute(s.route);
  return (
    <>
      <a class="skip-link" href="#task-list" onClick={(e) => (e.preventDefault(), document.getElementById('task-list')?.focus())}>
        Skip to tasks
      </a>
      <Header />
      <main class="main" id="main">
        <QuickAdd />
        <Toolbar />
        <TaskList />
      </main>
      {(route.view === 'new' || route.view === 'edit') && <Lazy load={loadEditor} props={{ id: route.id }} key={`e${route.id ?? 'new'}`} />}
      {route.view === 'history' && route.id !== undefined && <Lazy load={loadHistory} props={{ id: route.id }} key={`h${route.id}`} />}
      <Toasts />
    </>
  );
}

type Props = { id?: number };
const loadEditor = () => import('../editor/Editor').then((m) => m.Editor as ComponentType<Props>);
const loadHistory = () => import('../editor/History').then((m) => m.History as ComponentType<Props>);
/** Prefetch the editor chunk once the list is up, so opening a task feels instant. */
export const prefetchEditor = () => void loadEditor();

function Lazy({ load, props }: { load: () => Promise<ComponentType<Props>>; props: Props }) {
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
  return C ? <C {...props} /> : <div class="overlay" aria-busy="true" />;
}
