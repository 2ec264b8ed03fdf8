/**
 * checkRecurrence: syntax (rule.ts) plus the semantic checks that need the engine — does
 * rrule-temporal accept the rule, and can it ever produce an occurrence at all?
 */
import { RRuleTemporal } from 'rrule-temporal';
import { formatRRule, parseRule, RecurrenceRuleError, type RRuleParts } from './rule.js';
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
  return canEverOccur(parts) ? null : NEVER;
}

/**
 * Whether the rule matches any date at all, independent of the task's start. COUNT/UNTIL are
 * dropped (they depend on the start) and INTERVAL is set to 1 (it only shifts the phase); then
 * the rule's pattern repeats every 400 years, so one cycle decides.
 *
 * For DAILY/WEEKLY/HOURLY the BYMONTH/BYMONTHDAY/BYDAY/BYYEARDAY parts only filter days, and the
 * YEARLY rule with the same parts expands to exactly those days — 400 yearly periods are much
 * cheaper to scan than 146,097 daily ones. BYSETPOS there picks within one period, whose size we
 * can count directly.
 */
function canEverOccur(parts: RRuleParts): boolean {
  const probe: RRuleParts = { ...parts, interval: 1, count: undefined, until: undefined };
  if (parts.freq === 'YEARLY' || parts.freq === 'MONTHLY') return probeHasOccurrence(probe, FOUR_CENTURIES[parts.freq]);
  if (parts.bySetPos && !parts.bySetPos.some((pos) => Math.abs(pos) <= candidatesPerPeriod(parts))) return false;
  return probeHasOccurrence({ ...probe, freq: 'YEARLY', bySetPos: undefined, wkst: undefined }, FOUR_CENTURIES.YEARLY);
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

/** Candidates one DAILY/WEEKLY/HOURLY period can hold before BYSETPOS picks among them. */
function candidatesPerPeriod(p: RRuleParts): number {
  const n = (xs: readonly unknown[] | undefined) => xs?.length ?? 1;
  const sub = n(p.byMinute) * n(p.bySecond);
  if (p.freq === 'HOURLY') return sub;
  const perDay = n(p.byHour) * sub;
  return p.freq === 'WEEKLY' ? n(p.byDay) * perDay : perDay;
}
