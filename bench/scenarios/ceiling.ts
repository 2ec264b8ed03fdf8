/**
 * What the embedded design can reach at most, without HTTP: the app's own services in this
 * process on the same data dir. Per-statement round trip (Kysely → PostgreSQL), the create
 * command alone (TaskService.create: preferences, one transaction with the task, its reminders
 * and its outbox row), sequential and 64 in flight. The relay's share per event comes from the
 * pipeline measurement. Their sum bounds the HTTP create rate from above.
 */
import { sql } from 'kysely';
import type { Services } from '../../src/app.js';
import { rng } from '../lib/util.js';
import { createBody } from './http.js';

export interface Ceiling {
  select1_us: number;
  create_cmd_ms_sequential: number;
  create_cmd_per_s_sequential: number;
  create_cmd_per_s_64_in_flight: number;
}

export async function ceiling(s: Services, users: readonly string[], n = 2000): Promise<Ceiling> {
  const r = rng(99);
  for (let i = 0; i < 200; i++) await sql`SELECT 1`.execute(s.db);
  let t0 = performance.now();
  for (let i = 0; i < n; i++) await sql`SELECT 1`.execute(s.db);
  const select1 = ((performance.now() - t0) * 1000) / n;

  const body = () => createBody(r) as never;
  for (let i = 0; i < 100; i++) await s.tasks.create(users[i % users.length]!, body());
  t0 = performance.now();
  for (let i = 0; i < n / 2; i++) await s.tasks.create(users[i % users.length]!, body());
  const seqMs = (performance.now() - t0) / (n / 2);

  let next = 0;
  t0 = performance.now();
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < n) {
        const i = next++;
        await s.tasks.create(users[i % users.length]!, body());
      }
    }),
  );
  const concPerS = n / ((performance.now() - t0) / 1000);
  return {
    select1_us: Math.round(select1),
    create_cmd_ms_sequential: Math.round(seqMs * 100) / 100,
    create_cmd_per_s_sequential: Math.round(1000 / seqMs),
    create_cmd_per_s_64_in_flight: Math.round(concPerS),
  };
}
