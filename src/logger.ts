/** Structured JSON logs (pino). Secrets and tokens are redacted wherever they might appear. */
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    base: { service: 'taskstream' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["dapr-api-token"]', 'password', '*.password', 'access_token', '*.access_token'],
      censor: '[redacted]',
    },
  });
}
