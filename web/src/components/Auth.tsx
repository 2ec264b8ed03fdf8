import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { adoptBrowserZone, signIn } from '../session';
import { MIN_PASSWORD_LENGTH } from '../../../src/auth/password-length';
import { LabeledField } from './Field';
import { isConnectionError, useRetryOnReconnect } from '../connection';

export function Auth({ mode }: { mode: 'signin' | 'signup' }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  useRetryOnReconnect(isConnectionError(error), () => setError(null));
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
            <LabeledField id="auth-name" label="Name (optional)" field="name" message={fieldMsg('name')}>
              {(aria) => (
                <input id="auth-name" autocomplete="name" value={name} onInput={(e) => setName(e.currentTarget.value)} {...aria} />
              )}
            </LabeledField>
          )}
          <LabeledField id="auth-email" label="Email" field="email" message={fieldMsg('email')}>
            {(aria) => (
              <input
                id="auth-email"
                type="email"
                autocomplete={signup ? 'email' : 'username'}
                required
                value={email}
                onInput={(e) => setEmail(e.currentTarget.value)}
                {...aria}
              />
            )}
          </LabeledField>
          <LabeledField
            id="auth-password"
            label="Password"
            field="password"
            message={fieldMsg('password')}
            hint={
              signup
                ? `At least ${MIN_PASSWORD_LENGTH} characters; a few words together are easy to remember and hard to guess.`
                : undefined
            }
          >
            {(aria) => (
              <input
                id="auth-password"
                type="password"
                autocomplete={signup ? 'new-password' : 'current-password'}
                required
                minLength={signup ? MIN_PASSWORD_LENGTH : undefined}
                value={password}
                onInput={(e) => setPassword(e.currentTarget.value)}
                {...aria}
              />
            )}
          </LabeledField>
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
