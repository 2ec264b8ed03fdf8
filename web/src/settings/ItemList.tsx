/** The user's items of one kind (tokens, webhooks) under a heading: why they did not load, that there are none yet, or the list. */
import type { ComponentChildren } from 'preact';

export function ItemList<T>(props: {
  heading: string;
  /** what the items are, plural and lower case, for the messages ("tokens") */
  noun: string;
  /** the list's accessible name */
  label: string;
  /** null until loaded */
  items: T[] | null;
  loadError: string | undefined;
  children: (item: T) => ComponentChildren;
}) {
  const { heading, noun, label, items, loadError } = props;
  return (
    <>
      <h3>{heading}</h3>
      {loadError && (
        <p class="form-error" role="alert">
          Could not load the {noun}: {loadError}
        </p>
      )}
      {items && items.length === 0 && <p class="hint">No {noun} yet.</p>}
      {items && items.length > 0 && (
        <ul class="integration-list" aria-label={label}>
          {items.map(props.children)}
        </ul>
      )}
    </>
  );
}
