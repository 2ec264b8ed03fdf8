import { useState } from 'preact/hooks';
import { ApiError, type Project } from '../api';
import { Dialog } from '../editor/Dialog';
import { deleteProject, updateProject } from '../projects';
import { toast } from '../store';
import { describedBy, errId, FieldError, Icon } from './Field';
import { isConnectionError, useRetryOnReconnect } from '../connection';

/** The project screen's "Edit project" button and its dialog: rename, color, archive, delete. */
export function ProjectActions({ project }: { project: Project }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" class="btn small" onClick={() => setOpen(true)} aria-haspopup="dialog">
        <Icon name="gear" size={16} /> Edit project
      </button>
      {open && <ProjectDialog project={project} onClose={() => setOpen(false)} />}
    </>
  );
}

function ProjectDialog({ project, onClose }: { project: Project; onClose: () => void }) {
  const [name, setName] = useState(project.name);
  const [color, setColor] = useState(project.color);
  const [archived, setArchived] = useState(project.archived);
  const [error, setError] = useState<ApiError | null>(null);
  useRetryOnReconnect(isConnectionError(error), () => setError(null));
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const count = project.open_task_count;

  async function save(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await updateProject(project, { name: name.trim(), color, archived });
      toast(`Saved “${name.trim()}”`);
      onClose();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
      if (err instanceof ApiError && err.status === 412)
        toast('This project was changed elsewhere: reopen it to see the latest.', { tone: 'error' });
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    setBusy(true);
    try {
      await deleteProject(project);
      toast(`Deleted “${project.name}” and its tasks`);
      onClose();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
      setBusy(false);
    }
  }

  const msg = (f: string) => error?.fieldMessage(f);
  const general = error && error.fields.length === 0 ? error.message : undefined;
  return (
    <Dialog title="Edit project" onClose={onClose}>
      <form onSubmit={save} noValidate>
        {general && (
          <p class="form-error" role="alert">
            {general}
          </p>
        )}
        <div class="field">
          <label for="p-name">Name</label>
          <input
            id="p-name"
            data-autofocus
            value={name}
            maxLength={100}
            required
            onInput={(e) => setName(e.currentTarget.value)}
            {...describedBy('name', msg('name'))}
          />
          <FieldError id={errId('name')} message={msg('name')} />
        </div>
        <div class="field">
          <label for="p-color">Color</label>
          <input
            id="p-color"
            type="color"
            value={color}
            onInput={(e) => setColor(e.currentTarget.value)}
            {...describedBy('color', msg('color'))}
          />
          <FieldError id={errId('color')} message={msg('color')} />
        </div>
        <label class="check">
          <input type="checkbox" checked={archived} onChange={(e) => setArchived(e.currentTarget.checked)} />
          Archived (hidden from the sidebar's list, tasks kept)
        </label>
        <div class="dialog-actions">
          <button class="btn primary" type="submit" disabled={busy || !name.trim()}>
            Save
          </button>
          <button class="btn" type="button" onClick={onClose}>
            Cancel
          </button>
          <span class="spacer" />
          {!confirming ? (
            <button class="btn danger" type="button" onClick={() => setConfirming(true)}>
              Delete project…
            </button>
          ) : (
            <span class="confirm" role="group" aria-label="Confirm delete">
              <span>
                Delete “{project.name}”{count ? ` and its ${count} open task${count === 1 ? '' : 's'}` : ' and its tasks'}?
              </span>
              <button class="btn danger" type="button" onClick={() => void remove()} disabled={busy} autoFocus>
                Delete
              </button>
              <button class="btn ghost" type="button" onClick={() => setConfirming(false)}>
                Keep
              </button>
            </span>
          )}
        </div>
      </form>
    </Dialog>
  );
}
