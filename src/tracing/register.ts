/**
 * `node --import ./dist/src/tracing/register.js dist/src/main.js`: starts the OpenTelemetry SDK
 * before the instrumented modules (http, pg, undici, fastify) load — under ESM a module imported
 * first is never patched. With tracing off (the default) it returns at once: the SDK is not even
 * loaded. Cluster workers inherit the flag (node:cluster forks with the primary's execArgv).
 */
import { tracingRequested } from './enabled.js';

if (tracingRequested(process.env)) await import('./sdk.js');
