/**
 * Bounds of the live stream: open streams per user, and bytes buffered for a client
 * that does not read. Without them 100 SSE clients that never read made the server buffer every
 * event for each of them (+1.1 GB RSS after 3,000 creates).
 *
 * Per process: a stream is a socket held by one process, and what these bound — sockets and
 * buffered bytes — is that process's memory. With N API processes a user may hold N × the cap;
 * each process stays bounded, which is the point.
 */
import type { ServerResponse } from 'node:http';
import { HttpProblem } from '../http/problems.js';
import { metrics } from '../metrics.js';

export class StreamGate {
  private readonly open = new Map<string, number>();

  constructor(readonly maxPerUser: number) {}

  /** A release function, or a 429 problem when the user already holds `maxPerUser` streams here. */
  enter(userId: string): () => void {
    const n = this.open.get(userId) ?? 0;
    if (n >= this.maxPerUser) {
      throw new HttpProblem(
        429,
        'too-many-streams',
        'Too many open streams',
        `at most ${this.maxPerUser} open live streams per user; close one (another tab?) and retry`,
        undefined,
        { 'retry-after': '5' },
      );
    }
    this.open.set(userId, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(userId) ?? 1) - 1;
      if (left > 0) this.open.set(userId, left);
      else this.open.delete(userId);
    };
  }
}

/**
 * Writes to an SSE response and closes it once more than `maxBuffered` bytes wait for the client
 * (`writableLength`: the response's and its socket's unsent bytes). A client that reads keeps the
 * buffer near zero; one that stopped reading is cut off instead of growing the heap. EventSource
 * reconnects by itself, so a client that was only slow for a moment resumes.
 */
export function boundedWriter(res: ServerResponse, maxBuffered: number): (chunk: string) => void {
  return (chunk) => {
    if (res.destroyed) return;
    res.write(chunk);
    if (res.writableLength > maxBuffered) {
      metrics.sseOverflows.inc();
      res.destroy();
    }
  };
}
