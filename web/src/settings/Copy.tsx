/**
 * Copying secrets and snippets: a read-only field or code block with a Copy button (the Clipboard
 * API; where it is refused, the text is selected for Ctrl+C), and the "shown once" panel.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

function useCopy(value: string, select: () => void) {
  const [state, setState] = useState<'idle' | 'copied' | 'select'>('idle');
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setState('copied');
    } catch {
      select();
      setState('select');
    }
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setState('idle'), 2500);
  }
  return { state, copy };
}

const announce = (state: 'idle' | 'copied' | 'select', what: string) =>
  state === 'copied' ? `${what} copied to the clipboard.` : state === 'select' ? 'Selected: press Ctrl+C (⌘C) to copy.' : '';

export function CopyField({ id, label, value, hint }: { id: string; label: string; value: string; hint?: string }) {
  const input = useRef<HTMLInputElement>(null);
  const { state, copy } = useCopy(value, () => input.current?.select());
  return (
    <div class="field copy-field">
      <label for={id}>{label}</label>
      <div class="copy-row">
        <input
          id={id}
          ref={input}
          class="mono"
          readOnly
          value={value}
          spellcheck={false}
          autocomplete="off"
          onFocus={(e) => e.currentTarget.select()}
          aria-describedby={hint ? `${id}-hint` : undefined}
        />
        <button
          type="button"
          class="btn"
          onClick={() => void copy()}
          aria-label={`${state === 'copied' ? 'Copied' : 'Copy'} ${label.toLowerCase()}`}
        >
          {state === 'copied' ? 'Copied' : 'Copy'}
        </button>
      </div>
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <span class="sr-only" role="status">
        {announce(state, label)}
      </span>
    </div>
  );
}

export function CodeBlock({ id, label, code }: { id: string; label: string; code: string }) {
  const pre = useRef<HTMLPreElement>(null);
  const { state, copy } = useCopy(code, () => {
    const range = document.createRange();
    if (!pre.current) return;
    range.selectNodeContents(pre.current);
    getSelection()?.removeAllRanges();
    getSelection()?.addRange(range);
  });
  return (
    <div class="code-block">
      <div class="code-head">
        <span id={`${id}-label`}>{label}</span>
        <button
          type="button"
          class="btn small"
          onClick={() => void copy()}
          aria-label={`${state === 'copied' ? 'Copied' : 'Copy'} ${label}`}
        >
          {state === 'copied' ? 'Copied' : 'Copy'}
        </button>
      </div>
      <pre id={id} ref={pre} tabIndex={0} aria-labelledby={`${id}-label`}>
        <code>{code}</code>
      </pre>
      <span class="sr-only" role="status">
        {announce(state, label)}
      </span>
    </div>
  );
}

/** A secret the API returns once: copy it now, with a clear warning; "Done" forgets it. */
export function SecretOnce({
  id,
  title,
  label,
  secret,
  warning,
  children,
  onDone,
}: {
  id: string;
  title: string;
  label: string;
  secret: string;
  /** why it is not shown again */
  warning: string;
  children?: ComponentChildren;
  onDone: () => void;
}) {
  const box = useRef<HTMLDivElement>(null);
  // focus moves to the new secret, so a keyboard or screen-reader user lands on it
  useEffect(() => box.current?.querySelector('input')?.focus(), []);
  return (
    <div class="secret-once" role="region" aria-labelledby={`${id}-title`} ref={box} data-testid="secret-once">
      <p class="secret-title" id={`${id}-title`}>
        {title}
      </p>
      <p class="secret-warning">
        <strong>Copy it now: it will not be shown again.</strong> {warning}
      </p>
      <CopyField id={id} label={label} value={secret} />
      {children}
      <div class="form-actions">
        <button type="button" class="btn" onClick={onDone}>
          Done, I have copied it
        </button>
      </div>
    </div>
  );
}
