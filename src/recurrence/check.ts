/**
 * checkRecurrence: syntax (rule.ts) plus the semantic checks that need the engine — does
 * rrule-temporal accept the rule, and can it ever produce an occurrence at all?
 */
import { RRuleTemporal } from 'rrule-temporal';
import { formatRRule, parseRule, RecurrenceRuleError, type RRuleParts } from './rule.js';
import { candidatesPerPeriod, MAX_CANDIDATES_PER_PERIOD, PROBE_CANDIDATES } from './budget.js';
import { isIterationCapError } from './series.js';
import { Temporal } from './timezone.js';

export type RecurrenceCheck = { ok: true; rule: string } | { ok: false; message: string };

export function checkRecurrence(input: string): RecurrenceCheck {
  try {
    const rule = parseRule(input);
    if (rule.kind === 'preset') return { ok: true, rule: rule.preset };
    const problem = engineProblem(rule.parts);
    return problem ? { ok: false, message: problem } : { ok: true, rule: formatRRule(rule.parts) };
  } catch (error) {
    if (error instanceof RecurrenceRuleError) return { ok: false, message: error.message };
    throw error;
  }
}

/** 2000-01-01 is the start of a 400-year Gregorian cycle, after which dates and weekdays repeat. */
const PROBE_START = Temporal.ZonedDateTime.from('2000-01-01T00:00:00[UTC]');
const FOUR_CENTURIES = { YEARLY: 401, MONTHLY: 4_801 } as const;
const NEVER = 'This rule can never produce an occurrence (check BYMONTH/BYMONTHDAY/BYDAY/BYSETPOS combinations)';

function engineProblem(parts: RRuleParts): string | null {
  try {
    new RRuleTemporal({ rruleString: formatRRule(parts), dtstart: PROBE_START });
  } catch (error) {
    return `Recurrence rule not supported: ${error instanceof Error ? error.message : String(error)}`;
  }
  const perPeriod = candidatesPerPeriod(parts);
  if (perPeriod > MAX_CANDIDATES_PER_PERIOD) {
    return `This rule expands to up to ${perPeriod} times per ${PERIOD[parts.freq]} (at most ${MAX_CANDIDATES_PER_PERIOD}): use a finer FREQ or fewer BYxxx values`;
  }
  // BYSETPOS picks among one period's candidates: a position beyond their number never exists.
  if (parts.bySetPos && !parts.bySetPos.some((pos) => Math.abs(pos) <= perPeriod)) return NEVER;
  return occurrenceProblem(parts, perPeriod);
}

const PERIOD = { YEARLY: 'year', MONTHLY: 'month', WEEKLY: 'week', DAILY: 'day', HOURLY: 'hour' } as const;

/**
 * Whether the rule matches any date at all, independent of the task's start. COUNT/UNTIL are
 * dropped (they depend on the start) and INTERVAL is set to 1 (it only shifts the phase); then
 * the rule's pattern repeats every 400 years, so one cycle decides.
 *
 * For DAILY/WEEKLY/HOURLY the BYMONTH/BYMONTHDAY/BYDAY/BYYEARDAY parts only filter days, and the
 * YEARLY rule with the same parts expands to exactly those days — 400 yearly periods are much
 * cheaper to scan than 146,097 daily ones.
 *
 * rrule-temporal jumps over periods that a filter excludes, except with BYSETPOS, which needs
 * every candidate of every period it visits (`FREQ=YEARLY;BYSETPOS=-366;BYYEARDAY=1,…,15;BYHOUR=0,…,23`: 360 candidates × 401 years,
 * cost 4.8 s). So a BYSETPOS probe gets a budget of PROBE_CANDIDATES candidates; a rule that
 * finds no occurrence within it is refused — it would cost as much at every completion.
 */
function occurrenceProblem(parts: RRuleParts, perPeriod: number): string | null {
  const probe: RRuleParts = { ...parts, interval: 1, count: undefined, until: undefined };
  const full = FOUR_CENTURIES[parts.freq === 'MONTHLY' ? 'MONTHLY' : 'YEARLY'];
  const periods = parts.bySetPos ? Math.max(1, Math.min(full, Math.floor(PROBE_CANDIDATES / perPeriod))) : full;
  const found =
    parts.freq === 'YEARLY' || parts.freq === 'MONTHLY'
      ? probeHasOccurrence(probe, periods)
      : probeHasOccurrence({ ...probe, freq: 'YEARLY', bySetPos: undefined, wkst: undefined }, full);
  if (found) return null;
  return periods < full
    ? `This rule produces no occurrence within its computation budget (${periods} ${PERIOD[parts.freq]}s of up to ${perPeriod} candidates each): check BYSETPOS against the other BYxxx parts`
    : NEVER;
}

function probeHasOccurrence(parts: RRuleParts, maxIterations: number): boolean {
  const rule = new RRuleTemporal({ rruleString: formatRRule(parts), dtstart: PROBE_START, maxIterations });
  try {
    return rule.next(new Date(PROBE_START.epochMilliseconds)) !== null;
  } catch (error) {
    if (isIterationCapError(error)) return false;
    throw error;
  }
}
