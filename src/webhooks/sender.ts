/**
 * One HTTP POST of a delivery: to the address the target check resolved (the name is not looked
 * up again: see targets.ts), with a deadline for the whole exchange, no redirects followed, and
 * at most a few KB of the answer read (a receiver cannot make us buffer or wait on its body).
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { parseTargetUrl, resolveTarget, type Resolver } from './targets.js';

export interface SendResult {
  /** HTTP status, or undefined when no response came (refused, timeout, network error) */
  status: number | undefined;
  ok: boolean;
  durationMs: number;
  error: string | undefined;
}

export interface SendOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  resolve: Resolver;
}

const MAX_RESPONSE_BYTES = 4096;

export async function send(rawUrl: string, headers: Record<string, string>, body: string, o: SendOptions): Promise<SendResult> {
  const started = performance.now();
  const done = (status: number | undefined, error?: string): SendResult => ({
    status,
    ok: status !== undefined && status >= 200 && status < 300,
    durationMs: Math.round(performance.now() - started),
    error: error ?? (status !== undefined && (status < 200 || status >= 300) ? `HTTP ${status}` : undefined),
  });
  let target: { url: URL; address: string };
  try {
    const url = parseTargetUrl(rawUrl);
    // the check runs at every attempt: what a name resolved to at creation proves nothing later
    target = { url, address: (await resolveTarget(url, o)).address };
  } catch (err) {
    return done(undefined, `refused: ${(err as Error).message}`);
  }
  return new Promise<SendResult>((resolve) => {
    const { url, address } = target;
    const isHttps = url.protocol === 'https:';
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const req = (isHttps ? https : http).request({
      host: address,
      port: url.port || (isHttps ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      // the certificate is checked against the name, the connection goes to the checked address
      ...(isHttps && !net.isIP(hostname) ? { servername: hostname } : {}),
      headers: {
        host: url.host,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'user-agent': 'taskstream-webhooks/1',
        ...headers,
      },
      agent: false,
      timeout: o.timeoutMs,
    });
    let settled = false;
    const finish = (r: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      req.destroy();
      resolve(r);
    };
    // `timeout` above is per socket inactivity; this bounds the whole exchange (a trickling receiver)
    const deadline = setTimeout(() => finish(done(undefined, `timed out after ${o.timeoutMs} ms`)), o.timeoutMs);
    req.on('timeout', () => finish(done(undefined, `timed out after ${o.timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => finish(done(undefined, err.code ?? err.message)));
    req.on('response', (res) => {
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_RESPONSE_BYTES) finish(done(res.statusCode));
      });
      res.on('end', () => finish(done(res.statusCode)));
      res.on('error', () => finish(done(res.statusCode)));
    });
    req.end(body);
  });
}
