/**
 * Drag to reorder with a pointer (mouse, pen, touch) from a row's handle. Only among siblings:
 * the row follows the pointer, a line marks where it will land, and the drop calls the move API.
 * (The keyboard path — Alt+↑/↓ — is in the list; both end in projects.moveTo.)
 */
import type { Task } from './api';
import { moveTo } from './projects';

export function startDrag(e: PointerEvent, task: Task): void {
  if (e.button !== 0) return;
  const handle = e.currentTarget as HTMLElement;
  const item = handle.closest('li');
  const list = item?.parentElement;
  if (!item || !list) return;
  e.preventDefault();
  const items = [...list.children].filter((c): c is HTMLLIElement => c instanceof HTMLLIElement && c.dataset.id !== undefined);
  const rest = items.filter((c) => c !== item);
  const mids = rest.map((c) => {
    const r = c.getBoundingClientRect();
    return r.top + r.height / 2;
  });
  const box = item.getBoundingClientRect();
  const startY = e.clientY;
  let to = items.indexOf(item);
  handle.setPointerCapture(e.pointerId);
  item.classList.add('dragging');

  const mark = () => {
    for (const c of rest) c.classList.remove('drop-before', 'drop-after');
    if (to < rest.length) rest[to]?.classList.add('drop-before');
    else rest[rest.length - 1]?.classList.add('drop-after');
  };
  const onMove = (ev: PointerEvent) => {
    const dy = ev.clientY - startY;
    item.style.transform = `translateY(${dy}px)`;
    const center = box.top + box.height / 2 + dy;
    to = mids.filter((m) => m < center).length;
    mark();
  };
  const end = (drop: boolean) => {
    handle.removeEventListener('pointermove', onMove);
    handle.removeEventListener('pointerup', onUp);
    handle.removeEventListener('pointercancel', onCancel);
    item.classList.remove('dragging');
    item.style.transform = '';
    for (const c of rest) c.classList.remove('drop-before', 'drop-after');
    if (drop && to !== items.indexOf(item)) void moveTo(task, to);
  };
  const onUp = () => end(true);
  const onCancel = () => end(false);
  handle.addEventListener('pointermove', onMove);
  handle.addEventListener('pointerup', onUp);
  handle.addEventListener('pointercancel', onCancel);
}
