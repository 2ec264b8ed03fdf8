import { useEffect, useRef, useState } from 'preact/hooks';
import { useStore } from '../store';
import { markAllRead, markRead } from '../live';
import { isReminder, resolveTaskStates, snoozeTime } from '../reminders';
import { enableSystemNotifications, notificationsSupported } from '../system-notifications';
import { fullDate, relative } from '../dates';
import { Empty } from './Field';
import { NoteActions } from './NoteActions';

export function NotificationPanel({ onClose }: { onClose: () => void }) {
  const s = useStore();
  const ref = useRef<HTMLDivElement>(null);
  const [perm, setPerm] = useState(notificationsSupported() ? Notification.permission : 'denied');

  // once, on opening: the header re-renders on every store change with a new onClose, and
  // focus must not jump back to the panel then (e.g. when a toast announces a result)
  useEffect(() => {
    ref.current?.focus();
  }, []);

  // whenever the listed reminders change, not only on opening: the panel may open before the
  // notifications have loaded, and a reminder's task left unknown would offer Complete on a done task
  const reminderTasks = s.notifications
    .filter(isReminder)
    .map((n) => n.task_id)
    .join(',');
  useEffect(() => {
    void resolveTaskStates();
  }, [reminderTasks]);

  useEffect(() => {
    const onDown = (e: MouseEvent) => {
      const wrap = ref.current?.parentElement;
      if (wrap && !wrap.contains(e.target as Node)) onClose();
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [onClose]);

  return (
    <div class="popover" id="notification-panel" ref={ref} tabIndex={-1} role="region" aria-label="Notifications">
      <div class="popover-head">
        <h2>Notifications</h2>
        <button type="button" class="btn ghost small" onClick={() => void markAllRead()} disabled={s.unread === 0}>
          Mark all read
        </button>
      </div>
      {notificationsSupported() && perm === 'default' && (
        <div class="perm">
          <p>Get reminders even when this tab is in the background.</p>
          <button type="button" class="btn small" onClick={() => void enableSystemNotifications().then(setPerm)}>
            Enable browser notifications
          </button>
        </div>
      )}
      {s.notifications.length === 0 ? (
        <Empty title="No notifications yet">
          <p>Reminders for your tasks show up here.</p>
        </Empty>
      ) : (
        <ul class="notes" data-testid="notifications">
          {s.notifications.map((n) => (
            <li key={n.id} class={n.read ? 'note' : 'note unread'}>
              <a
                href={n.task_id === null ? '#/' : `#/tasks/${n.task_id}`}
                onClick={() => {
                  void markRead(n.id);
                  onClose();
                }}
              >
                <span class="note-title" dir="auto">
                  {!n.read && <span class="sr-only">Unread: </span>}
                  {n.title}
                  {n.late && <span class="pill warn">late</span>}
                </span>
                <span class="note-body" id={`note-${n.id}`} dir="auto">
                  {n.body}
                </span>
                <time dateTime={n.created_at} title={fullDate(n.created_at)}>
                  {relative(n.created_at)}
                </time>
                {n.snoozed_until && (
                  <span class="note-snoozed" data-testid="snoozed">
                    Snoozed until {snoozeTime(n.snoozed_until)}
                  </span>
                )}
              </a>
              {!n.read && (
                <button type="button" class="btn ghost small" onClick={() => void markRead(n.id)} aria-describedby={`note-${n.id}`}>
                  Mark read
                </button>
              )}
              {isReminder(n) && <NoteActions n={n} s={s} describedBy={`note-${n.id}`} />}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
