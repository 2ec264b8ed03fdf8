/**
 * A small client of the Dapr sidecar's HTTP API (publish, secrets, state, health). Raw HTTP on
 * purpose: we need exact control of status codes and replies, which the SDK hides.
 */
export class SidecarError extends Error {
  override name = 'SidecarError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface BulkPublishEntry {
  entryId: string;
  event: unknown;
  contentType: string;
  metadata?: Record<string, string>;
}

export class DaprClient {
  private readonly base: string;

  constructor(
    httpPort: number,
    private readonly apiToken: string | undefined,
    private readonly timeoutMs = 10_000,
  ) {
    this.base = `http://127.0.0.1:${httpPort}`;
  }

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.apiToken) headers['dapr-api-token'] = this.apiToken;
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetch(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new SidecarError(`sidecar unreachable (${method} ${path}): ${(err as Error).message}`);
    }
  }

  private async ok(res: Response, what: string): Promise<Response> {
    if (res.ok) return res;
    const text = await res.text().catch(() => '');
    throw new SidecarError(`${what} failed: HTTP ${res.status} ${text.slice(0, 500)}`, res.status);
  }

  /** Bulk publish; any failed entry fails the call (the relay then retries the whole batch: consumers are idempotent). */
  async publishBulk(pubsub: string, topic: string, entries: BulkPublishEntry[]): Promise<void> {
    const res = await this.call('POST', `/v1.0-alpha1/publish/bulk/${pubsub}/${encodeURIComponent(topic)}`, entries);
    await this.ok(res, `bulk publish to ${topic}`);
  }

  async getSecret(store: string, name: string): Promise<Record<string, string>> {
    const res = await this.ok(await this.call('GET', `/v1.0/secrets/${store}/${encodeURIComponent(name)}`), `secret ${name}`);
    return (await res.json()) as Record<string, string>;
  }

  async getState<T>(store: string, key: string): Promise<T | undefined> {
    const res = await this.ok(await this.call('GET', `/v1.0/state/${store}/${encodeURIComponent(key)}`), `state get ${key}`);
    if (res.status === 204) return undefined;
    const text = await res.text();
    return text ? (JSON.parse(text) as T) : undefined;
  }

  async saveState(store: string, items: { key: string; value: unknown }[]): Promise<void> {
    await this.ok(await this.call('POST', `/v1.0/state/${store}`, items), 'state save');
  }

  /** True once the sidecar has loaded its components and can reach them. */
  async outboundHealthy(): Promise<boolean> {
    try {
      const res = await this.call('GET', '/v1.0/healthz/outbound');
      return res.status === 204 || res.ok;
    } catch {
      return false;
    }
  }

  async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.outboundHealthy())) {
      if (Date.now() > deadline) throw new SidecarError(`Dapr sidecar on ${this.base} not ready after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
