/**
 * Per-user write rate: a token bucket per user, `writesPerSecond` refill, `writeBurst`
 * capacity. 50/s with a burst of 200 by default: the web app writes one request per user action,
 * so a person never meets it, and a script importing a few hundred tasks passes in one burst;
 * a loop that writes as fast as it can is held to 50/s, which keeps one user's share of the
 * group-committed writes (~3,000/s embedded) small.
 *
 * Per process, in memory: with N API processes (node:cluster workers, Dapr replicas) a user gets
 * up to N × the rate. That is acceptable because the limit protects each process's event loop and
 * connection pool, which are per process too; keeping the buckets in PostgreSQL would cost a round
 * trip per write — more than many of the writes it limits.
 */
import type { FastifyRequest } from 'fastify';
import { HttpProblem } from '../http/problems.js';

interface Bucket {
  tokens: number;
  at: number;
}

export class WriteRate {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token; null when allowed, else the seconds until one is available. */
  take(userId: string): number | null {
    const now = this.now();
    const b = this.buckets.get(userId) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    this.buckets.set(userId, b);
    if (this.buckets.size > 10_000) this.prune(now);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return null;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond));
  }

  /** A full bucket is the same as no bucket: forget users who stopped writing. */
  private prune(now: number): void {
    for (const [user, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(user);
    }
  }

  /**
   * A `preParsing` hook for the whole server: after authentication (onRequest), before the body is
   * read, so a refused write costs no parsing or validation. Reads and anonymous routes pass.
   */
  hook = async (request: FastifyRequest): Promise<void> => {
    if (!request.userId || !WRITE_METHODS.has(request.method)) return;
    const wait = this.take(request.userId);
    if (wait === null) return;
    throw new HttpProblem(
      429,
      'too-many-requests',
      'Too many requests',
      `more than ${this.perSecond} writes per second (burst ${this.burst}); retry in ${wait} s`,
      undefined,
      { 'retry-after': String(wait) },
    );
  };
}

/** the methods the write rate counts (the OpenAPI document's 429s follow it: src/http/server.ts) */
export const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
