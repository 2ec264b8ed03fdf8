import { render } from 'preact';
import { App } from './components/App';
import { setUnauthorizedHandler } from './api';
import { backOnline, endSession, followRoute, startSession } from './session';
import { getState, setState, toast } from './store';
import { registerWorker } from './system-notifications';
import './styles.css';

window.addEventListener('hashchange', () => followRoute(location.hash || '#/'));
window.addEventListener('offline', () => setState({ online: false }));
window.addEventListener('online', backOnline);
setUnauthorizedHandler(() => {
  if (!getState().session) return;
  endSession();
  toast('Your session has ended. Please sign in again.', { tone: 'error' });
});
if (getState().session) startSession();
registerWorker();
render(<App />, document.getElementById('app') as HTMLElement);
