import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { adoptBrowserZone, signIn } from '../session';
import { describedBy, errId, FieldError } from './Field';

export function Auth({ mode }: { mode: 'signin' | 'signup' }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const signup = mode === 'signup';

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (signup) await api.register(email.trim(), password, name.trim() || undefined);
      const session = await api.login(email.trim(), password);
      signIn(session);
      if (signup) void adoptBrowserZone();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409)
        setError(
          new ApiError(409, err.message, [{ field: 'email', message: 'An account with this email already exists. Sign in instead?' }]),
        );
      else setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
    } finally {
      setBusy(false);
    }
  }

  const fieldMsg = (f: string) => error?.fieldMessage(f);
  const general = error && error.fields.length === 0 ? error.message : undefined;

  return (
    <main class="auth" id="main">
      <div class="auth-card">
        <h1 class="brand-lg">
          <span class="logo" aria-hidden="true" /> Taskstream
        </h1>
        <h2>{signup ? 'Create your account' : 'Sign in'}</h2>
        <form onSubmit={submit} noValidate>
          {general && (
            <p class="form-error" role="alert">
              {general}
            </p>
          )}
          {signup && (
            <div class="field">
              <label for="auth-name">Name (optional)</label>
              <input
                id="auth-name"
                autocomplete="name"
                value={name}
                onInput={(e) => setName(e.currentTarget.value)}
                {...describedBy('name', fieldMsg('name'))}
              />
              <FieldError id={errId('name')} message={fieldMsg('name')} />
            </div>
          )}
          <div class="field">
            <label for="auth-email">Email</label>
            <input
              id="auth-email"
              type="email"
              autocomplete={signup ? 'email' : 'username'}
              required
              value={email}
              onInput={(e) => setEmail(e.currentTarget.value)}
              {...describedBy('email', fieldMsg('email'))}
            />
            <FieldError id={errId('email')} message={fieldMsg('email')} />
          </div>
          <div class="field">
            <label for="auth-password">Password</label>
            <input
              id="auth-password"
              type="password"
              autocomplete={signup ? 'new-password' : 'current-password'}
              required
              minLength={signup ? 8 : undefined}
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
              {...describedBy('password', fieldMsg('password'), signup ? 'pw-hint' : undefined)}
            />
            {signup && (
              <p class="hint" id="pw-hint">
                At least 8 characters.
              </p>
            )}
            <FieldError id={errId('password')} message={fieldMsg('password')} />
          </div>
          <button class="btn primary wide" type="submit" disabled={busy}>
            {busy ? 'Please wait…' : signup ? 'Create account' : 'Sign in'}
          </button>
        </form>
        <p class="auth-switch">
          {signup ? (
            <>
              Already have an account? <a href="#/signin">Sign in</a>
            </>
          ) : (
            <>
              New here? <a href="#/signup">Create an account</a>
            </>
          )}
        </p>
      </div>
    </main>
  );
}
