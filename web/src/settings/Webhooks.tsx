/**
 * Webhooks: list with their state (active, failing, disabled after failures) and last
 * delivery, create (the signing secret shown once), send a test event and watch its outcome,
 * re-enable a disabled one, delete after a confirmation. A `webhook_disabled` notification
 * reloads the list, so the state on screen follows the server's.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { describedBy, errId, FieldError, SubmitButton } from '../components/Field';
import { toast, useStore } from '../store';
import { SecretOnce } from './Copy';
import { ItemList } from './ItemList';
import { integrations, problemText, relative, when, WEBHOOK_EVENTS, type Delivery, type Webhook } from './integrations-api';
import { isConnectionError, useRetryOnReconnect } from '../connection';

const EVENT_LABEL: Record<string, string> = {
  'task.created': 'Task created',
  'task.updated': 'Task updated',
  'task.completed': 'Task completed',
  'task.deleted': 'Task deleted',
  'webhook.test': 'Test event',
};

/** One delivery in words: "Delivered (HTTP 200, 84 ms)", "Failed after 10 attempts: HTTP 503", … */
export function deliveryText(d: Delivery, hookEnabled = true): string {
  const code = d.response_status !== null ? `HTTP ${d.response_status}` : (d.error ?? 'no answer');
  if (d.status === 'succeeded') return `Delivered (${code}${d.duration_ms !== null ? `, ${d.duration_ms} ms` : ''})`;
  if (d.status === 'failed') return `Failed after ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}: ${d.error ?? code}`;
  if (d.status === 'sending') return 'Sending…';
  // a disabled webhook's pending deliveries wait for it to be re-enabled
  const next = !hookEnabled
    ? 'held until the webhook is re-enabled'
    : `retrying${d.next_attempt_at ? ` ${relative(d.next_attempt_at)}` : ''}`;
  if (d.attempts > 0) return `Attempt ${d.attempts} failed (${d.error ?? code}); ${next}`;
  return hookEnabled ? 'Queued' : `Queued, ${next}`;
}
const tone = (d: Delivery) => (d.status === 'succeeded' ? 'ok' : d.status === 'failed' || d.attempts > 0 ? 'bad' : 'muted');

function HookRow({ hook, zone, onChanged }: { hook: Webhook; zone: string; onChanged: () => Promise<void> }) {
  const [log, setLog] = useState<Delivery[] | null>(null);
  const [busy, setBusy] = useState<'' | 'test' | 'enable' | 'delete'>('');
  const [confirming, setConfirming] = useState(false);
  const alive = useRef(true);
  useEffect(() => () => void (alive.current = false), []);
  const loadLog = () =>
    integrations.deliveries(hook.id).then(
      (l) => (alive.current && setLog(l), l),
      () => null,
    );
  useEffect(() => void loadLog(), [hook.updated_at, hook.consecutive_failures]);

  /** queue a ping, then follow it in the log until it has an outcome (or ~20 s) */
  async function test() {
    setBusy('test');
    try {
      const ping = await integrations.testWebhook(hook.id);
      toast('Test event sent');
      for (let i = 0; i < 40 && alive.current; i++) {
        await new Promise((r) => setTimeout(r, 500));
        const mine = (await loadLog())?.find((d) => d.id === ping.id);
        if (mine && (mine.status === 'succeeded' || mine.status === 'failed' || (mine.status === 'pending' && mine.attempts > 0))) break;
      }
      await onChanged();
    } catch (err) {
      toast(`Could not send a test event: ${problemText(err)}`, { tone: 'error' });
    } finally {
      if (alive.current) setBusy('');
    }
  }

  async function enable() {
    setBusy('enable');
    try {
      await integrations.enableWebhook(hook.id);
      toast('Webhook re-enabled');
      await onChanged();
    } catch (err) {
      toast(`Could not re-enable: ${problemText(err)}`, { tone: 'error' });
    } finally {
      if (alive.current) setBusy('');
    }
  }

  async function remove() {
    setBusy('delete');
    try {
      await integrations.deleteWebhook(hook.id);
      toast('Webhook deleted');
    } catch (err) {
      toast(`Could not delete: ${problemText(err)}`, { tone: 'error' });
    }
    await onChanged();
  }

  const last = log?.[0];
  return (
    <li class="integration-item" data-testid="webhook-row">
      <div class="item-main">
        <span class="item-title mono url">{hook.url}</span>
        <span class="chips">
          {hook.enabled ? (
            <span class={`status-badge ${hook.consecutive_failures ? 'warn' : 'ok'}`} data-testid="webhook-status">
              {hook.consecutive_failures ? `Active · ${hook.consecutive_failures} failed in a row` : 'Active'}
            </span>
          ) : (
            <span class="status-badge bad" data-testid="webhook-status">
              Disabled after {hook.consecutive_failures} failures
            </span>
          )}
          {hook.events.map((e) => (
            <span key={e} class="chip">
              {EVENT_LABEL[e] ?? e}
            </span>
          ))}
        </span>
        {!hook.enabled && hook.disabled_at && (
          <span class="hint">
            Disabled {when(hook.disabled_at, zone)}: nothing is sent until you re-enable it. Events in between are not delivered.
          </span>
        )}
        <span class="hint" data-testid="webhook-last">
          {last ? (
            <>
              Last delivery: {EVENT_LABEL[last.event_type] ?? last.event_type} —{' '}
              <span class={`tone-${tone(last)}`}>{deliveryText(last, hook.enabled)}</span>,{' '}
              {relative(last.last_attempt_at ?? last.created_at)}
            </>
          ) : log ? (
            'No deliveries yet.'
          ) : (
            ''
          )}
        </span>
        {log && log.length > 1 && (
          <details class="deliveries">
            <summary>Recent deliveries</summary>
            <ul>
              {log.map((d) => (
                <li key={d.id}>
                  <span class="mono">{when(d.created_at, zone)}</span> {EVENT_LABEL[d.event_type] ?? d.event_type}:{' '}
                  <span class={`tone-${tone(d)}`}>{deliveryText(d, hook.enabled)}</span>
                </li>
              ))}
            </ul>
          </details>
        )}
      </div>
      <div class="item-actions">
        {hook.enabled ? (
          <button class="btn" type="button" onClick={() => void test()} disabled={busy !== ''}>
            {busy === 'test' ? 'Sending…' : 'Send test event'}
          </button>
        ) : (
          <button class="btn primary" type="button" onClick={() => void enable()} disabled={busy !== ''}>
            {busy === 'enable' ? 'Re-enabling…' : 'Re-enable'}
          </button>
        )}
        {confirming ? (
          <span class="confirm" role="group" aria-label="Confirm deleting the webhook">
            <span>Delete this webhook? Pending deliveries are dropped.</span>
            <button class="btn danger" type="button" onClick={() => void remove()} disabled={busy !== ''} autoFocus>
              Delete
            </button>
            <button class="btn ghost" type="button" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </span>
        ) : (
          <button class="btn danger" type="button" onClick={() => setConfirming(true)}>
            Delete…
          </button>
        )}
      </div>
    </li>
  );
}

export function Webhooks() {
  const s = useStore();
  const [hooks, setHooks] = useState<Webhook[] | null>(null);
  const [loadError, setLoadError] = useState<string>();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['task.created', 'task.completed']);
  const [errors, setErrors] = useState<Record<string, string>>({});
  useRetryOnReconnect(isConnectionError(errors.form), () => setErrors(({ form: _, ...rest }) => rest));
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<(Webhook & { secret: string }) | null>(null);

  const load = () =>
    integrations.webhooks().then(
      (h) => (setHooks(h), setLoadError(undefined)),
      (err: unknown) => setLoadError(problemText(err)),
    );
  // a webhook the server disabled arrives as a notification: reload (its state and last delivery)
  const disabledNotes = s.notifications.filter((n) => n.type === 'webhook_disabled').length;
  useEffect(() => void load(), [disabledNotes]);
  useRetryOnReconnect(loadError !== undefined, load);

  async function create(e: Event) {
    e.preventDefault();
    const local: Record<string, string> = {};
    if (!/^https?:\/\/\S+$/i.test(url.trim())) local.url = 'Enter the receiver’s http(s) URL.';
    if (!events.length) local.events = 'Choose at least one event.';
    setErrors(local);
    if (Object.keys(local).length) return document.getElementById(local.url ? 'wh-url' : 'wh-event-task-created')?.focus();
    setBusy(true);
    try {
      const hook = await integrations.createWebhook({ url: url.trim(), events: WEBHOOK_EVENTS.filter((x) => events.includes(x)) });
      setCreated(hook);
      setUrl('');
      await load();
    } catch (err) {
      const byField: Record<string, string> = {};
      if (err instanceof ApiError && err.fields.length)
        for (const f of err.fields) byField[f.field.split('/')[0]!.replace(/^\(body\)$/, 'form')] ??= f.message;
      else byField.form = problemText(err);
      setErrors(byField);
      if (byField.url) document.getElementById('wh-url')?.focus();
    } finally {
      setBusy(false);
    }
  }

  const toggle = (e: string) => setEvents((list) => (list.includes(e) ? list.filter((x) => x !== e) : [...list, e]));

  return (
    <section class="card integration" aria-labelledby="webhooks-heading">
      <h2 id="webhooks-heading">Webhooks</h2>
      <p class="hint">
        Task changes are POSTed to your URL as JSON, signed per the{' '}
        <a href="https://www.standardwebhooks.com" target="_blank" rel="noreferrer">
          Standard Webhooks
        </a>{' '}
        spec (headers <code>webhook-id</code>, <code>webhook-timestamp</code>, <code>webhook-signature</code>). Failed deliveries are
        retried with growing pauses; after many failures in a row the webhook is disabled and you are notified.
      </p>

      {created && (
        <SecretOnce
          id="new-webhook-secret"
          title="Webhook created"
          label="Signing secret"
          secret={created.secret}
          warning="Your receiver needs it to verify signatures (any Standard Webhooks library takes it as it is)."
          onDone={() => setCreated(null)}
        />
      )}

      <form class="inline-form" onSubmit={create} noValidate aria-labelledby="wh-new-heading">
        <h3 id="wh-new-heading">New webhook</h3>
        {errors.form && (
          <p class="form-error" role="alert">
            {errors.form}
          </p>
        )}
        <div class="field">
          <label for="wh-url">Receiver URL</label>
          <input
            id="wh-url"
            type="url"
            inputMode="url"
            class="mono"
            placeholder="https://example.com/hooks/taskstream"
            maxLength={2048}
            value={url}
            onInput={(e) => setUrl(e.currentTarget.value)}
            {...describedBy('wh-url', errors.url, 'wh-url-hint')}
          />
          <p class="hint" id="wh-url-hint">
            A public http(s) address; private and local network addresses are refused.
          </p>
          <FieldError id={errId('wh-url')} message={errors.url} />
        </div>
        <fieldset class="field" {...describedBy('wh-events', errors.events)}>
          <legend>Events</legend>
          <div class="check-grid">
            {WEBHOOK_EVENTS.map((e) => (
              <label key={e} class="check">
                <input type="checkbox" id={`wh-event-${e.replace('.', '-')}`} checked={events.includes(e)} onChange={() => toggle(e)} />
                {EVENT_LABEL[e]}
              </label>
            ))}
          </div>
          <FieldError id={errId('wh-events')} message={errors.events} />
        </fieldset>
        <div class="form-actions">
          <SubmitButton busy={busy} label="Add webhook" busyLabel="Adding…" />
        </div>
      </form>

      <ItemList heading="Your webhooks" noun="webhooks" label="Webhooks" items={hooks} loadError={loadError}>
        {(h) => <HookRow key={h.id} hook={h} zone={s.timezone} onChanged={load} />}
      </ItemList>
    </section>
  );
}
