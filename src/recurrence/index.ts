/**
 * Recurrence: pure next-occurrence math for recurring tasks (presets and RFC 5545 RRULEs,
 * IANA time zones, DST). No I/O, no clock: callers pass `now`. Semantics: ./README.md.
 */
export { checkRecurrence, type RecurrenceCheck } from './check.js';
export {
  MAX_PREVIEW,
  nextOccurrence,
  previewOccurrences,
  type NextOccurrence,
  type NextOccurrenceInput,
  type RecurrenceBasis,
} from './next.js';
export { PRESETS, RecurrenceRuleError, type Preset } from './rule.js';
export { isValidTimeZone, normalizeTimeZone } from './timezone.js';
