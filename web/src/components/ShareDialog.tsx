/**
 * Sharing a project: the project screen's "Share" button (with the members'
 * initials) and its dialog: invite by email as editor or viewer, change a role, remove a member
 * (the owner), leave (a member).
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, type MemberRole, type Project } from '../api';
import { Dialog } from '../editor/Dialog';
import { changeRole, displayName, invite, loadMembers, removeMember } from '../members';
import { loadProjects } from '../projects';
import { getState, toast, useStore } from '../store';
import { Avatar, MemberAvatars } from './Avatars';
import { describedBy, errId, FieldError, Icon } from './Field';
import { isConnectionError, useRetryOnReconnect } from '../connection';

export function ShareButton({ project }: { project: Project }) {
  const [open, setOpen] = useState(false);
  if (project.inbox) return null;
  return (
    <>
      <MemberAvatars projectId={project.id} />
      <button type="button" class="btn small" onClick={() => setOpen(true)} aria-haspopup="dialog" data-share>
        <Icon name="plus" size={16} /> {project.role === 'owner' ? 'Share' : 'Members'}
      </button>
      {open && <ShareDialog project={project} onClose={() => setOpen(false)} />}
    </>
  );
}

const ROLE_TEXT: Record<string, string> = { owner: 'Owner', editor: 'Can edit', viewer: 'Can view' };

function ShareDialog({ project, onClose }: { project: Project; onClose: () => void }) {
  const s = useStore();
  const members = s.members[String(project.id)];
  const me = s.session?.userId;
  const owner = project.role === 'owner';
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<MemberRole>('editor');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void loadMembers(project.id, true).catch((err) => setError(err instanceof ApiError ? err : new ApiError(0, String(err))));
  }, [project.id]);
  useRetryOnReconnect(isConnectionError(error), () => {
    setError(null);
    void loadMembers(project.id, true).catch(() => undefined);
  });

  async function act(fn: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
    } finally {
      setBusy(false);
    }
  }

  const onInvite = (e: Event) => {
    e.preventDefault();
    void act(async () => {
      const m = await invite(project.id, email.trim(), role);
      toast(`Shared “${project.name}” with ${displayName(m)}`);
      setEmail('');
      void loadProjects(); // member_count
    });
  };

  const leave = () =>
    act(async () => {
      await removeMember(project.id, me!);
      toast(`You left “${project.name}”`);
      onClose();
      await loadProjects();
      if (getState().view.kind === 'project') location.hash = '#/inbox';
    });

  const msg = (f: string) => error?.fieldMessage(f);
  const general = error && error.fields.length === 0 ? error.message : undefined;
  return (
    <Dialog title={owner ? `Share “${project.name}”` : `Members of “${project.name}”`} onClose={onClose}>
      {general && (
        <p class="form-error" role="alert">
          {general}
        </p>
      )}
      <ul class="members" aria-label="Members">
        {(members ?? []).map((m) => (
          <li key={m.user_id} class="member" data-member={m.email ?? m.user_id}>
            <Avatar member={m} size={28} />
            <span class="member-name">
              {displayName(m)}
              {m.user_id === me && ' (you)'}
              {m.email && m.name && <span class="hint">{m.email}</span>}
            </span>
            {owner && m.role !== 'owner' ? (
              <select
                aria-label={`Role of ${displayName(m)}`}
                value={m.role}
                disabled={busy}
                onChange={(e) => void act(() => changeRole(project.id, m.user_id, e.currentTarget.value as MemberRole))}
              >
                <option value="editor">Can edit</option>
                <option value="viewer">Can view</option>
              </select>
            ) : (
              <span class="member-role">{ROLE_TEXT[m.role]}</span>
            )}
            {owner && m.role !== 'owner' && (
              <button
                type="button"
                class="btn ghost small"
                disabled={busy}
                aria-label={`Remove ${displayName(m)}`}
                onClick={() =>
                  void act(async () => {
                    await removeMember(project.id, m.user_id);
                    toast(`Removed ${displayName(m)}; their tasks here are unassigned`);
                    void loadProjects();
                  })
                }
              >
                Remove
              </button>
            )}
            {!owner && m.user_id === me && (
              <button type="button" class="btn danger small" disabled={busy} onClick={() => void leave()}>
                Leave project
              </button>
            )}
          </li>
        ))}
      </ul>
      {owner && (
        <form class="invite" onSubmit={onInvite} noValidate>
          <div class="field">
            <label for="share-email">Invite by email</label>
            <input
              id="share-email"
              type="email"
              data-autofocus
              value={email}
              placeholder="name@example.com"
              onInput={(e) => setEmail(e.currentTarget.value)}
              {...describedBy('email', msg('email'), 'share-email-hint')}
            />
            <p class="hint" id="share-email-hint">
              They need an account: there are no pending invitations.
            </p>
            <FieldError id={errId('email')} message={msg('email')} />
          </div>
          <div class="field">
            <label for="share-role">Role</label>
            <select id="share-role" value={role} onChange={(e) => setRole(e.currentTarget.value as MemberRole)}>
              <option value="editor">Can edit (add, change, complete, move, delete tasks)</option>
              <option value="viewer">Can view</option>
            </select>
          </div>
          <div class="dialog-actions">
            <button class="btn primary" type="submit" disabled={busy || !email.trim()}>
              Invite
            </button>
            <button class="btn" type="button" onClick={onClose}>
              Done
            </button>
          </div>
        </form>
      )}
      {!owner && (
        <div class="dialog-actions">
          <button class="btn" type="button" onClick={onClose}>
            Close
          </button>
        </div>
      )}
    </Dialog>
  );
}
