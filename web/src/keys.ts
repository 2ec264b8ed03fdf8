/** Keyboard shortcuts' ground rules, shared by the components that listen for them. */

/** Is the key going into a text field (where "/", "u" or "?" are typing, not shortcuts)? */
export function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el?.tagName) return false;
  if (el.isContentEditable || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  return el.tagName === 'INPUT' && !/^(checkbox|radio|button|submit|reset|range|color|file)$/.test((el as HTMLInputElement).type);
}

/** A modal dialog (an editor, the shortcut sheet, the phone's menu drawer) is open: the page behind it is out of reach. */
export const dialogOpen = (): boolean => typeof document !== 'undefined' && document.querySelector('[aria-modal="true"]') !== null;

/** A plain key press: no Ctrl, Cmd or Alt (Shift is part of "?"). */
export const plain = (e: KeyboardEvent): boolean => !e.ctrlKey && !e.metaKey && !e.altKey;
