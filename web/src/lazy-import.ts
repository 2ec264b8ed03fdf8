/**
 * Lazy chunks that survive a network drop. A failed `import()` is not kept: each call tries up to
 * TRIES times (a short pause between tries, cut short when the browser is back online), and a
 * later call tries again, so quick add, the editor or settings work once the connection is back, without a reload.
 */

const TRIES = 3;
const PAUSE_MS = 500;

/** `load` (an `() => import(…)`), loaded once it succeeds, retried while it fails. */
export function retryingImport<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | null = null;
  return () =>
    (loading ??= withRetries(load).catch((err: unknown) => {
      loading = null; // not cached: the next call fetches again
      throw err instanceof Error && isChunkFailure(err) ? new ChunkLoadError() : err;
    }));
}

async function withRetries<T>(load: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await load();
    } catch (err) {
      if (attempt >= TRIES || !(err instanceof Error) || !isChunkFailure(err)) throw err;
      await pause(PAUSE_MS * attempt);
    }
  }
}

/** "Failed to fetch dynamically imported module" (Chromium), "error loading dynamically imported module" (Firefox), "Importing a module script failed" (Safari), Vite's preload error. */
const isChunkFailure = (err: Error) =>
  /dynamically imported module|module script failed|Unable to preload|error loading/i.test(err.message) || err.name === 'ChunkLoadError';

/** Resolves after `ms`, or sooner when the browser comes back online. */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      window.removeEventListener('online', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    window.addEventListener('online', done);
  });
}

export class ChunkLoadError extends Error {
  override name = 'ChunkLoadError';
  constructor() {
    super('Part of the app could not be loaded. Check your connection: it is tried again when you are back online.');
  }
}
