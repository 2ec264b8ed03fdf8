/**
 * Recurrence: pure next-occurrence math for recurring tasks (presets and RFC 5545 RRULEs,
 * IANA time zones, DST). No I/O, no clock: callers pass `now`. Semantics: ./README.md.
 */
export { checkRecurrence } from './check.js';
export { nextOccurrence, previewOccurrences, type RecurrenceBasis } from './next.js';
export { isValidTimeZone, normalizeTimeZone } from './timezone.js';
