/**
 * The connection coming back: the browser's `online` event, or the live stream reconnecting (the
 * server is reachable again, which `online` alone does not prove, nor always report). Whatever shows
 * a "cannot reach the server" message listens here and clears it or tries again.
 */
import { useEffect } from 'preact/hooks';
import { ApiError, UNREACHABLE } from './api';
import { ChunkLoadError } from './lazy-import';

const listeners = new Set<() => void>();

/** Calls `fn` on every reconnection; returns the unsubscribe (an effect's cleanup). */
export function onReconnect(fn: () => void): () => void {
  listeners.add(fn);
  return () => void listeners.delete(fn);
}

export function reconnected(): void {
  for (const fn of [...listeners]) fn();
}

window.addEventListener('online', reconnected);

/** An error that says nothing about the request itself: the network (or a chunk) was not there; also its message, kept as text. */
export const isConnectionError = (err: unknown): boolean =>
  (err instanceof ApiError && err.status === 0) || err instanceof ChunkLoadError || (typeof err === 'string' && err.includes(UNREACHABLE));

/**
 * What a screen shows while it could not reach the server is stale once the connection is back:
 * while `failed`, `retry` (load again, or clear the message) runs on the next reconnection.
 */
export function useRetryOnReconnect(failed: boolean, retry: () => unknown): void {
  useEffect(() => (failed ? onReconnect(() => void retry()) : undefined), [failed]);
}
