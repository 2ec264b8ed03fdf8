/**
 * Standard Webhooks (https://www.standardwebhooks.com): `whsec_` + base64 of 32 random bytes as
 * the secret, and the spec's reference library to sign — `webhook-id`, `webhook-timestamp`
 * (seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`).
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export const newSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

export function signedHeaders(secret: string, msgId: string, at: Date, body: string): Record<string, string> {
  // the spec signs whole seconds; the library would sign the milliseconds' floor anyway
  const seconds = new Date(Math.floor(at.getTime() / 1000) * 1000);
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(seconds.getTime() / 1000),
    'webhook-signature': new Webhook(secret).sign(msgId, seconds, body),
  };
}
