/** The account's preferences (time zone, week start, display name) into the store; kept as they are when the server cannot answer. */
import { api } from './api';
import { setState } from './store';

export function loadPreferences(): Promise<void> {
  return api
    .preferences()
    .then((p) => setState({ timezone: p.timezone, weekStart: p.week_start ?? 'monday', displayName: p.name ?? '' }))
    .catch(() => {});
}
