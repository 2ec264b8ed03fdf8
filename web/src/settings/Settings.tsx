/**
 * The settings screen (a lazy chunk): display name, time zone and week start (preferences,
 * used by the Today/Upcoming views), and the password change (`POST /api/{user_id}/password`); its Integrations tab
 * (`#/settings/integrations`) is in Integrations.tsx.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type WeekStart } from '../api';
import { describedBy, errId, FieldError, SubmitButton } from '../components/Field';
import { scheduleCounts } from '../projects';
import { browserZone, getState, setState, toast, useStore } from '../store';
import { Integrations } from './Integrations';
import { isConnectionError, useRetryOnReconnect } from '../connection';

function zones(current: string): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  const list = intl.supportedValuesOf ? intl.supportedValuesOf('timeZone') : [];
  return [...new Set(['UTC', current, browserZone(), ...list])].sort((a, b) => (a === 'UTC' ? -1 : b === 'UTC' ? 1 : a.localeCompare(b)));
}

function Preferences() {
  const s = useStore();
  const [name, setName] = useState(s.displayName);
  const [zone, setZone] = useState(s.timezone);
  const [weekStart, setWeekStart] = useState<WeekStart>(s.weekStart);
  const [error, setError] = useState<ApiError | null>(null);
  useRetryOnReconnect(isConnectionError(error), () => setError(null));
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);

  // the preferences may arrive after the screen opened (a deep link): take them until edited
  const touched = useRef(false);
  useEffect(() => {
    if (touched.current) return;
    setName(s.displayName);
    setZone(s.timezone);
    setWeekStart(s.weekStart);
  }, [s.displayName, s.timezone, s.weekStart]);
  const edit =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      touched.current = true;
      setSaved(false);
      set(v);
    };

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      // absent fields stay unchanged: an emptied name keeps the old one (the API refuses a blank name)
      const p = await api.setPreferences({ timezone: zone, week_start: weekStart, ...(name.trim() ? { name: name.trim() } : {}) });
      setState({ timezone: p.timezone, weekStart: p.week_start ?? weekStart, displayName: p.name ?? name.trim() });
      scheduleCounts(0); // Today's count follows the zone
      touched.current = false;
      setSaved(true);
      toast('Settings saved');
    } catch (err) {
      const apiErr = err instanceof ApiError ? err : new ApiError(0, String(err));
      setError(apiErr);
      const first = apiErr.fields[0]?.field;
      const target = first && { timezone: 's-zone', week_start: 's-week-monday', name: 's-name' }[first];
      if (target) document.getElementById(target)?.focus();
    } finally {
      setBusy(false);
    }
  }

  const msg = (f: string) => error?.fieldMessage(f);
  const general = error && error.fields.length === 0 ? error.message : undefined;
  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="prefs-heading">
      <h2 id="prefs-heading">Profile and calendar</h2>
      {general && (
        <p class="form-error" role="alert">
          Could not save: {general}
        </p>
      )}
      <div class="field">
        <label for="s-name">Display name</label>
        <input
          id="s-name"
          autocomplete="name"
          maxLength={100}
          value={name}
          onInput={(e) => edit(setName)(e.currentTarget.value)}
          {...describedBy('name', msg('name'))}
        />
        <FieldError id={errId('name')} message={msg('name')} />
      </div>
      <div class="field">
        <label for="s-zone">Time zone</label>
        <select
          id="s-zone"
          value={zone}
          onChange={(e) => edit(setZone)(e.currentTarget.value)}
          {...describedBy('timezone', msg('timezone'), 's-zone-hint')}
        >
          {zones(zone).map((z) => (
            <option key={z} value={z}>
              {z.replace(/_/g, ' ')}
            </option>
          ))}
        </select>
        <p class="hint" id="s-zone-hint">
          New tasks are due in this zone; Today and Upcoming follow its days.
          {zone !== browserZone() && (
            <>
              {' '}
              This device is in {browserZone()}.{' '}
              <button type="button" class="link-btn" onClick={() => edit(setZone)(browserZone())}>
                Use it
              </button>
            </>
          )}
        </p>
        <FieldError id={errId('timezone')} message={msg('timezone')} />
      </div>
      <fieldset class="field" {...describedBy('week_start', msg('week_start'))}>
        <legend>Week starts on</legend>
        <div class="segmented">
          {(['monday', 'sunday'] as const).map((d) => (
            <label key={d} class={weekStart === d ? 'on' : ''}>
              <input
                type="radio"
                id={`s-week-${d}`}
                name="week_start"
                value={d}
                checked={weekStart === d}
                onChange={() => edit(setWeekStart)(d)}
              />
              {d === 'monday' ? 'Monday' : 'Sunday'}
            </label>
          ))}
        </div>
        <FieldError id={errId('week_start')} message={msg('week_start')} />
      </fieldset>
      <div class="form-actions">
        <SubmitButton busy={busy} label="Save settings" busyLabel="Saving…" />
        <span class="hint" role="status">
          {saved ? 'Saved.' : ''}
        </span>
      </div>
    </form>
  );
}

function Password() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string | undefined>();
  useRetryOnReconnect(isConnectionError(general), () => setGeneral(undefined));
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setDone(false);
    setGeneral(undefined);
    const local: Record<string, string> = {};
    if (!current) local.current_password = 'Enter your current password.';
    if (next.length < 12) local.new_password = 'At least 12 characters.';
    else if (next !== confirm) local.confirm = 'The two new passwords differ.';
    setErrors(local);
    const first = Object.keys(local)[0];
    if (first) return document.getElementById(`pw-${first}`)?.focus();
    setBusy(true);
    try {
      await api.changePassword(current, next);
      setCurrent('');
      setNext('');
      setConfirm('');
      setDone(true);
      toast('Password changed');
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        setErrors({ current_password: 'The current password is not right.' });
        document.getElementById('pw-current_password')?.focus();
      } else if (err instanceof ApiError && err.fields.length) {
        const byField: Record<string, string> = {};
        for (const f of err.fields) byField[f.field === 'current_password' ? 'current_password' : 'new_password'] ??= f.message;
        setErrors(byField);
        document.getElementById(`pw-${Object.keys(byField)[0]}`)?.focus();
      } else setGeneral(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  const field = (key: string, label: string, value: string, set: (v: string) => void, auto: string, hint?: string) => (
    <div class="field">
      <label for={`pw-${key}`}>{label}</label>
      <input
        id={`pw-${key}`}
        type="password"
        autocomplete={auto}
        value={value}
        onInput={(e) => set(e.currentTarget.value)}
        {...describedBy(`pw-${key}`, errors[key], hint)}
      />
      <FieldError id={errId(`pw-${key}`)} message={errors[key]} />
    </div>
  );

  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="pw-heading">
      <h2 id="pw-heading">Password</h2>
      {/* for password managers: which account this is */}
      <input type="text" autocomplete="username" value={getState().session?.email ?? ''} hidden readOnly />
      {general && (
        <p class="form-error" role="alert">
          Could not change the password: {general}
        </p>
      )}
      {field('current_password', 'Current password', current, setCurrent, 'current-password')}
      {field('new_password', 'New password', next, setNext, 'new-password', 'pw-new-hint')}
      <p class="hint" id="pw-new-hint">
        At least 12 characters; a few unrelated words make a strong one. The server also refuses common ones.
      </p>
      {field('confirm', 'Repeat the new password', confirm, setConfirm, 'new-password')}
      <div class="form-actions">
        <SubmitButton busy={busy} label="Change password" busyLabel="Changing…" />
        <span class="hint" role="status">
          {done ? 'Password changed.' : ''}
        </span>
      </div>
    </form>
  );
}

export function Settings() {
  const s = useStore();
  const integrations = s.viewRoute === '#/settings/integrations';
  const tab = (href: string, text: string, on: boolean) => (
    <a href={href} aria-current={on ? 'page' : undefined}>
      {text}
    </a>
  );
  return (
    <section class="settings" aria-labelledby="settings-heading">
      <div class="list-head">
        <h1 id="settings-heading">Settings</h1>
        <span class="total">{s.session?.email}</span>
      </div>
      <nav class="settings-tabs" aria-label="Settings sections">
        {tab('#/settings', 'General', !integrations)}
        {tab('#/settings/integrations', 'Integrations', integrations)}
      </nav>
      {integrations ? (
        <Integrations />
      ) : (
        <>
          <Preferences />
          <Password />
        </>
      )}
    </section>
  );
}
