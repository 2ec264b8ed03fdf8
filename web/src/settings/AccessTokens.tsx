/**
 * Personal access tokens: list, create (the secret shown once), revoke after a
 * confirmation. A token acts as the user within its scopes, for scripts and AI assistants (MCP).
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { describedBy, errId, FieldError, SubmitButton } from '../components/Field';
import { toast, useStore } from '../store';
import { SecretOnce } from './Copy';
import { ItemList } from './ItemList';
import { integrations, problemText, relative, SCOPES, when, type AccessToken, type Scope } from './integrations-api';
import { isConnectionError, useRetryOnReconnect } from '../connection';

const SCOPE_LABEL: Record<Scope, string> = { 'tasks:read': 'Read tasks', 'tasks:write': 'Change tasks' };
const EXPIRIES = [
  { days: 0, label: 'Never' },
  { days: 30, label: 'In 30 days' },
  { days: 90, label: 'In 90 days' },
  { days: 365, label: 'In a year' },
];

export function AccessTokens({ onCreated }: { onCreated: (secret: string | null) => void }) {
  const s = useStore();
  const [tokens, setTokens] = useState<AccessToken[] | null>(null);
  const [loadError, setLoadError] = useState<string>();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['tasks:read', 'tasks:write']);
  const [days, setDays] = useState(0);
  const [errors, setErrors] = useState<Record<string, string>>({});
  useRetryOnReconnect(isConnectionError(errors.form), () => setErrors(({ form: _, ...rest }) => rest));
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<(AccessToken & { token: string }) | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);

  const load = () =>
    integrations.tokens().then(
      (t) => (setTokens(t), setLoadError(undefined)),
      (err: unknown) => setLoadError(problemText(err)),
    );
  useEffect(() => void load(), []);
  useRetryOnReconnect(loadError !== undefined, load);

  async function create(e: Event) {
    e.preventDefault();
    const local: Record<string, string> = {};
    if (!name.trim()) local.name = 'Name the token after what will use it, e.g. “Claude Desktop”.';
    if (!scopes.length) local.scopes = 'Choose at least one permission.';
    setErrors(local);
    if (Object.keys(local).length) return document.getElementById(local.name ? 'tok-name' : 'tok-scope-tasks-read')?.focus();
    setBusy(true);
    try {
      const expires_at = days ? new Date(Date.now() + days * 86_400_000).toISOString() : null;
      const t = await integrations.createToken({ name: name.trim(), scopes, expires_at });
      setCreated(t);
      onCreated(t.token);
      setName('');
      await load();
    } catch (err) {
      const byField: Record<string, string> = {};
      if (err instanceof ApiError && err.fields.length)
        for (const f of err.fields) byField[f.field.split('/')[0]!.replace(/^\(body\)$/, 'form')] ??= f.message;
      else byField.form = problemText(err);
      setErrors(byField);
    } finally {
      setBusy(false);
    }
  }

  async function revoke(t: AccessToken) {
    try {
      await integrations.revokeToken(t.id);
      toast(`Revoked “${t.name}”: it no longer works`);
      if (created?.id === t.id) done();
    } catch (err) {
      toast(`Could not revoke: ${problemText(err)}`, { tone: 'error' });
    }
    setConfirming(null);
    await load();
  }

  function done() {
    setCreated(null);
    onCreated(null);
  }

  const toggle = (scope: Scope) =>
    setScopes((list) => (list.includes(scope) ? list.filter((x) => x !== scope) : SCOPES.filter((x) => x === scope || list.includes(x))));

  return (
    <section class="card integration" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">Access tokens</h2>
      <p class="hint">
        For scripts and AI assistants: a token acts as you, within its permissions, on the API, the MCP endpoint and the live stream. It
        cannot manage tokens, webhooks or calendar feeds. Revoking it ends it at once.
      </p>

      {created && (
        <SecretOnce
          id="new-token"
          title={`Token “${created.name}” created`}
          label="New access token"
          secret={created.token}
          warning="Only a hash of it is kept; if you lose it, revoke it and make a new one. Treat it like a password."
          onDone={done}
        />
      )}

      <form class="inline-form" onSubmit={create} noValidate aria-labelledby="tok-new-heading">
        <h3 id="tok-new-heading">New token</h3>
        {errors.form && (
          <p class="form-error" role="alert">
            {errors.form}
          </p>
        )}
        <div class="field">
          <label for="tok-name">Name</label>
          <input
            id="tok-name"
            maxLength={100}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
            {...describedBy('tok-name', errors.name)}
          />
          <FieldError id={errId('tok-name')} message={errors.name} />
        </div>
        <fieldset class="field" {...describedBy('tok-scopes', errors.scopes)}>
          <legend>Permissions</legend>
          {SCOPES.map((scope) => (
            <label key={scope} class="check">
              <input
                type="checkbox"
                id={`tok-scope-${scope.replace(':', '-')}`}
                checked={scopes.includes(scope)}
                onChange={() => toggle(scope)}
              />
              {SCOPE_LABEL[scope]} <span class="hint mono">{scope}</span>
            </label>
          ))}
          <FieldError id={errId('tok-scopes')} message={errors.scopes} />
        </fieldset>
        <div class="field">
          <label for="tok-expiry">Expires</label>
          <select
            id="tok-expiry"
            value={String(days)}
            onChange={(e) => setDays(Number(e.currentTarget.value))}
            {...describedBy('tok-expiry', errors.expires_at)}
          >
            {EXPIRIES.map((x) => (
              <option key={x.days} value={String(x.days)}>
                {x.label}
              </option>
            ))}
          </select>
          <FieldError id={errId('tok-expiry')} message={errors.expires_at} />
        </div>
        <div class="form-actions">
          <SubmitButton busy={busy} label="Create token" busyLabel="Creating…" />
        </div>
      </form>

      <ItemList heading="Your tokens" noun="tokens" label="Access tokens" items={tokens} loadError={loadError}>
        {(t) => {
          const expired = t.expires_at !== null && new Date(t.expires_at).getTime() <= Date.now();
          return (
            <li key={t.id} class="integration-item" data-testid="token-row">
              <div class="item-main">
                <span class="item-title">{t.name}</span>
                <span class="hint mono" title="the token's last characters">
                  tsk_…{t.hint}
                </span>
                <span class="chips">
                  {t.scopes.map((sc) => (
                    <span key={sc} class="chip">
                      {SCOPE_LABEL[sc] ?? sc}
                    </span>
                  ))}
                  {expired && <span class="chip warn">Expired</span>}
                </span>
                <span class="hint">
                  Created {when(t.created_at, s.timezone)} · {t.last_used_at ? `last used ${relative(t.last_used_at)}` : 'never used'} ·{' '}
                  {t.expires_at ? `${expired ? 'expired' : 'expires'} ${when(t.expires_at, s.timezone)}` : 'no expiry'}
                </span>
              </div>
              <div class="item-actions">
                {confirming === t.id ? (
                  <span class="confirm" role="group" aria-label={`Confirm revoking ${t.name}`}>
                    <span>Revoke “{t.name}”? Whatever uses it stops working at once.</span>
                    <button class="btn danger" type="button" onClick={() => void revoke(t)} autoFocus>
                      Revoke
                    </button>
                    <button class="btn ghost" type="button" onClick={() => setConfirming(null)}>
                      Keep
                    </button>
                  </span>
                ) : (
                  <button class="btn danger" type="button" onClick={() => setConfirming(t.id)} aria-label={`Revoke ${t.name}`}>
                    Revoke
                  </button>
                )}
              </div>
            </li>
          );
        }}
      </ItemList>
    </section>
  );
}
