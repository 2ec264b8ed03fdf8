/**
 * Calendar feeds: the secret URL of the user's feed (every task they see) and of
 * single projects, with Copy, "open in the calendar app" (webcal:), how to subscribe in Google,
 * Apple and Outlook, regenerate (the old URL dies at once: what to do when a URL leaked) and turn off.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ProjectId } from '../api';
import { toast, useStore } from '../store';
import { CopyField } from './Copy';
import { integrations, problemText, when, type CalendarFeed } from './integrations-api';
import { useRetryOnReconnect } from '../connection';

const webcal = (url: string) => url.replace(/^https?:/, 'webcal:');
const feedKey = (projectId: ProjectId | null) => (projectId === null ? 'all' : `p${projectId}`);

function FeedRow({
  feed,
  projectId,
  title,
  zone,
  onChanged,
}: {
  feed: CalendarFeed | undefined;
  projectId: ProjectId | null;
  title: string;
  zone: string;
  onChanged: () => Promise<void>;
}) {
  const [confirm, setConfirm] = useState<'' | 'rotate' | 'off'>('');
  const [busy, setBusy] = useState(false);
  const key = feedKey(projectId);

  async function act(what: 'rotate' | 'off') {
    setBusy(true);
    try {
      if (what === 'rotate') await integrations.rotateFeed(projectId);
      else await integrations.revokeFeed(projectId);
      toast(
        what === 'off'
          ? 'Feed turned off: its URL no longer works'
          : feed
            ? 'New feed URL: the old one no longer works'
            : 'Feed URL created',
      );
      setConfirm('');
      await onChanged();
    } catch (err) {
      toast(`Could not change the feed: ${problemText(err)}`, { tone: 'error' });
    } finally {
      setBusy(false);
    }
  }

  if (!feed)
    return (
      <div class="feed" data-testid={`feed-${key}`}>
        <p class="hint">No feed URL for {title.toLowerCase()} yet.</p>
        <button class="btn primary" type="button" onClick={() => void act('rotate')} disabled={busy}>
          Create feed URL
        </button>
      </div>
    );
  return (
    <div class="feed" data-testid={`feed-${key}`}>
      {feed.url ? (
        <CopyField id={`feed-url-${key}`} label={`Feed URL: ${title}`} value={feed.url} hint={`Made ${when(feed.created_at, zone)}.`} />
      ) : (
        <p class="hint">This feed’s URL was made before URLs could be shown again. It still works; regenerate it to see a new one.</p>
      )}
      <div class="item-actions">
        {feed.url && (
          <a class="btn" href={webcal(feed.url)}>
            Open in calendar app
          </a>
        )}
        {confirm ? (
          <span
            class="confirm"
            role="group"
            aria-label={confirm === 'rotate' ? 'Confirm regenerating the URL' : 'Confirm turning the feed off'}
          >
            <span>
              {confirm === 'rotate'
                ? 'The current URL stops working at once; calendars subscribed to it need the new one.'
                : 'Turn this feed off? Its URL stops working at once.'}
            </span>
            <button class="btn danger" type="button" onClick={() => void act(confirm)} disabled={busy} autoFocus>
              {confirm === 'rotate' ? 'Regenerate' : 'Turn off'}
            </button>
            <button class="btn ghost" type="button" onClick={() => setConfirm('')}>
              Cancel
            </button>
          </span>
        ) : (
          <>
            <button class="btn" type="button" onClick={() => setConfirm('rotate')}>
              Regenerate URL…
            </button>
            <button class="btn ghost" type="button" onClick={() => setConfirm('off')}>
              Turn off…
            </button>
          </>
        )}
      </div>
    </div>
  );
}

export function CalendarFeeds() {
  const s = useStore();
  const [feeds, setFeeds] = useState<CalendarFeed[] | null>(null);
  const [loadError, setLoadError] = useState<string>();
  const [pick, setPick] = useState('');
  const [busy, setBusy] = useState(false);

  const load = () =>
    integrations.feeds().then(
      (f) => (setFeeds(f), setLoadError(undefined)),
      (err: unknown) => setLoadError(problemText(err)),
    );
  useEffect(() => void load(), []);
  useRetryOnReconnect(loadError !== undefined, load);

  const own = feeds?.find((f) => f.project_id === null);
  const projectFeeds = (feeds ?? []).filter((f) => f.project_id !== null);
  const projectName = (id: ProjectId) => s.projects.find((p) => String(p.id) === String(id))?.name ?? `Project ${id}`;
  const candidates = s.projects.filter((p) => !p.archived && !projectFeeds.some((f) => String(f.project_id) === String(p.id)));
  const local = /^(localhost|127\.|\[::1\])/.test(location.hostname);

  async function addProjectFeed(e: Event) {
    e.preventDefault();
    if (!pick) return document.getElementById('feed-project')?.focus();
    setBusy(true);
    try {
      await integrations.rotateFeed(pick);
      toast(`Feed URL created for “${projectName(pick)}”`);
      setPick('');
      await load();
    } catch (err) {
      toast(`Could not create the feed: ${problemText(err)}`, { tone: 'error' });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card integration" aria-labelledby="calendar-heading">
      <h2 id="calendar-heading">Calendar feeds</h2>
      <p class="hint">
        Subscribe from Google, Apple or Outlook calendar to see open tasks with a due date: repeating tasks repeat, reminders become alerts.
        Anyone who has a feed URL can read those tasks’ titles and notes: regenerate it if it leaks.
      </p>
      {loadError && (
        <p class="form-error" role="alert">
          Could not load the feeds: {loadError}
        </p>
      )}
      {feeds && (
        <>
          <h3>All my tasks</h3>
          <FeedRow feed={own} projectId={null} title="All my tasks" zone={s.timezone} onChanged={load} />

          <h3>Single projects</h3>
          <p class="hint">A feed of one project’s tasks (a shared project’s too), e.g. for a team calendar.</p>
          {projectFeeds.map((f) => (
            <div key={f.project_id} class="project-feed">
              <p class="item-title">{projectName(f.project_id!)}</p>
              <FeedRow feed={f} projectId={f.project_id} title={projectName(f.project_id!)} zone={s.timezone} onChanged={load} />
            </div>
          ))}
          {candidates.length > 0 && (
            <form class="feed-add" onSubmit={addProjectFeed}>
              <label for="feed-project">Project</label>
              <select id="feed-project" value={pick} onChange={(e) => setPick(e.currentTarget.value)}>
                <option value="">Choose a project…</option>
                {candidates.map((p) => (
                  <option key={p.id} value={String(p.id)}>
                    {p.name}
                  </option>
                ))}
              </select>
              <button class="btn" type="submit" disabled={busy || !pick}>
                Create project feed
              </button>
            </form>
          )}
        </>
      )}

      <details class="howto">
        <summary>How to subscribe</summary>
        <ul>
          <li>
            <strong>Google Calendar</strong> (on the web): Other calendars → + → From URL, paste the URL, Add calendar. Google refreshes it
            every few hours.
          </li>
          <li>
            <strong>Apple Calendar</strong>: File → New Calendar Subscription…, paste the URL (iPhone: Settings → Calendar → Accounts → Add
            Account → Other → Add Subscribed Calendar), or press “Open in calendar app”.
          </li>
          <li>
            <strong>Outlook</strong> (on the web): Add calendar → Subscribe from web, paste the URL, Import.
          </li>
        </ul>
        {local && (
          <p class="hint">
            This server answers at {location.host}: calendar services on the internet (Google, Outlook) cannot reach it; a calendar app on
            this computer can.
          </p>
        )}
      </details>
    </section>
  );
}
