/**
 * The open live streams (SSE responses) of this process, ended together at shutdown: an open
 * stream would hold the server's close() until the grace period, and the outbox would not be
 * flushed. A stream whose request was still being authenticated when shutdown began is added
 * after that: it is ended at once.
 */
import type { ServerResponse } from 'node:http';

export class OpenStreams extends Set<ServerResponse> {
  private ended = false;

  override add(res: ServerResponse): this {
    if (this.ended) {
      res.end();
      return this;
    }
    super.add(res);
    res.once('close', () => this.delete(res));
    return this;
  }

  endAll(): void {
    this.ended = true;
    for (const res of this) res.end();
  }
}
