import type { ComponentChildren } from 'preact';

/** The message under a control; its id is what the control's aria-describedby points at. */
export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  return message ? (
    <p class="field-error" id={id} role="alert">
      {message}
    </p>
  ) : null;
}

export const errId = (field: string) => `err-${field.replace(/[^\w-]/g, '-')}`;

/** aria attributes for a control that may have an error. */
export function describedBy(field: string, message: string | undefined, hint?: string) {
  const ids = [hint, message ? errId(field) : undefined].filter(Boolean).join(' ');
  return { 'aria-invalid': message ? ('true' as const) : undefined, 'aria-describedby': ids || undefined };
}

/** A labelled control with its hint and its error: the block every form field repeats. The control gets the aria attributes. */
export function LabeledField({
  id,
  label,
  field,
  message,
  hint,
  children,
}: {
  id: string;
  label: string;
  /** the API's name of the field (its error's id) */
  field: string;
  message: string | undefined;
  hint?: ComponentChildren;
  children: (aria: ReturnType<typeof describedBy>) => ComponentChildren;
}) {
  const hintId = hint ? `${id}-hint` : undefined;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children(describedBy(field, message, hintId))}
      {hint && (
        <p class="hint" id={hintId}>
          {hint}
        </p>
      )}
      <FieldError id={errId(field)} message={message} />
    </div>
  );
}

export function Icon({ name, size = 18 }: { name: keyof typeof PATHS; size?: number }) {
  return (
    <svg class="icon" width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={PATHS[name]} />
    </svg>
  );
}

const PATHS = {
  bell: 'M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1z',
  repeat: 'M7 7h10v3l4-4-4-4v3H5v6h2zm10 10H7v-3l-4 4 4 4v-3h12v-6h-2z',
  sun: 'M12 7a5 5 0 1 0 0 10 5 5 0 0 0 0-10zM11 1h2v3h-2zm0 19h2v3h-2zM1 11h3v2H1zm19 0h3v2h-3zM4.2 5.6l1.4-1.4 2.1 2.1-1.4 1.4zm12.1 12.1 1.4-1.4 2.1 2.1-1.4 1.4zM4.2 18.4l2.1-2.1 1.4 1.4-2.1 2.1zM16.3 6.3l2.1-2.1 1.4 1.4-2.1 2.1z',
  moon: 'M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z',
  auto: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 18V4a8 8 0 0 1 0 16z',
  filter: 'M3 5h18v2l-7 7v6l-4-2v-4L3 7z',
  close: 'M18.3 5.7 12 12l6.3 6.3-1.4 1.4L10.6 13.4 4.3 19.7l-1.4-1.4L9.2 12 2.9 5.7l1.4-1.4 6.3 6.3 6.3-6.3z',
  history: 'M13 3a9 9 0 0 0-9 9H1l4 4 4-4H6a7 7 0 1 1 2.05 4.95l-1.42 1.42A9 9 0 1 0 13 3zm-1 5v5l4.25 2.52.77-1.28-3.52-2.09V8z',
  clock: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 18a8 8 0 1 1 0-16 8 8 0 0 1 0 16zm.5-13H11v6l5.25 3.15.75-1.23-4.5-2.67z',
  plus: 'M11 5h2v6h6v2h-6v6h-2v-6H5v-2h6z',
  grip: 'M9 5a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3zm6 0a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3zM9 10.5a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3zm6 0a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3zM9 16a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3zm6 0a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3z',
  down: 'M7 9.5 12 14.5 17 9.5l1.4 1.4L12 17.3 5.6 10.9z',
  right: 'M9.5 7 14.5 12 9.5 17l1.4 1.4L17.3 12 10.9 5.6z',
  subtasks: 'M4 4h2v5h4v2H6v6h4v2H4zm8 3h8v2h-8zm0 8h8v2h-8z',
  menu: 'M3 6h18v2H3zm0 5h18v2H3zm0 5h18v2H3z',
  gear: 'M19.4 13a7.5 7.5 0 0 0 0-2l2.1-1.6-2-3.5-2.5 1a7.6 7.6 0 0 0-1.7-1L15 3h-4l-.4 2.9a7.6 7.6 0 0 0-1.7 1l-2.5-1-2 3.5L6.6 11a7.5 7.5 0 0 0 0 2l-2.1 1.6 2 3.5 2.5-1a7.6 7.6 0 0 0 1.7 1L11 21h4l.4-2.9a7.6 7.6 0 0 0 1.7-1l2.5 1 2-3.5zM13 15.5a3.5 3.5 0 1 1 0-7 3.5 3.5 0 0 1 0 7z',
  inbox: 'M4 4h16l2 9v7H2v-7zm1.6 2-1.3 7H9a3 3 0 0 0 6 0h4.7l-1.3-7z',
  today: 'M7 2h2v2h6V2h2v2h3v18H4V4h3zM6 9v11h12V9zm5 2h2v2h-2z',
  upcoming: 'M7 2h2v2h6V2h2v2h3v18H4V4h3zM6 9v11h12V9zm2 2h2v2H8zm4 0h2v2h-2zm4 0h2v2h-2zm-8 4h2v2H8zm4 0h2v2h-2z',
  list: 'M4 6h2v2H4zm4 0h12v2H8zm-4 5h2v2H4zm4 0h12v2H8zm-4 5h2v2H4zm4 0h12v2H8z',
  keyboard: 'M2 6h20v12H2zm2 2v8h16V8zm1 1h2v2H5zm3 0h2v2H8zm3 0h2v2h-2zm3 0h2v2h-2zm3 0h2v2h-2zM5 12h2v2H5zm3 0h8v2H8zm9 0h2v2h-2z',
} as const;

export function Spinner({ label }: { label: string }) {
  return (
    <span class="spinner" role="status">
      <span class="sr-only">{label}</span>
    </span>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <p class="empty-title">{title}</p>
      {children}
    </div>
  );
}

/** A form's submit button: disabled, and saying what it is doing, while the form is busy. */
export function SubmitButton({ busy, label, busyLabel }: { busy: boolean; label: string; busyLabel: string }) {
  return (
    <button class="btn primary" type="submit" disabled={busy}>
      {busy ? busyLabel : label}
    </button>
  );
}
