/** Wall-clock date/time in a task's IANA zone ↔ ISO instants, with the Temporal polyfill (the server's library). */
import { Temporal } from 'temporal-polyfill';

export interface Wall {
  date: string;
  time: string;
}

export function toWall(iso: string, zone: string): Wall {
  const z = Temporal.Instant.from(iso).toZonedDateTimeISO(safeZone(zone));
  return { date: z.toPlainDate().toString(), time: z.toPlainTime().toString({ smallestUnit: 'minute' }) };
}

/** "YYYY-MM-DDTHH:MM[:SS]" as wall-clock in the zone → "YYYY-MM-DDTHH:MM:SS+01:00". Null when incomplete or invalid. */
export function fromWall(local: string, zone: string): string | null {
  try {
    const z = Temporal.PlainDateTime.from(local).toZonedDateTime(safeZone(zone), { disambiguation: 'compatible' });
    return z.toString({ timeZoneName: 'never', smallestUnit: 'second' });
  } catch {
    return null;
  }
}

export function toLocalInput(iso: string, zone: string): string {
  const z = Temporal.Instant.from(iso).toZonedDateTimeISO(safeZone(zone));
  return z.toPlainDateTime().toString({ smallestUnit: 'second' });
}

export function validZone(zone: string): boolean {
  try {
    Temporal.Now.instant().toZonedDateTimeISO(zone);
    return true;
  } catch {
    return false;
  }
}

const safeZone = (zone: string) => (validZone(zone) ? zone : 'UTC');

let zones: string[] | null = null;
export function allZones(): string[] {
  if (!zones) {
    const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
    zones = intl.supportedValuesOf ? intl.supportedValuesOf('timeZone') : ['UTC'];
    if (!zones.includes('UTC')) zones.unshift('UTC');
  }
  return zones;
}
