/** Which consumer has had the effect of which event: the key of an effect that is not a row of its own. */
import type { Executor } from '../db/types.js';

/**
 * Records, in the caller's transaction, that `consumer` takes the effect of `eventId`: false when
 * it already had (a redelivery), so the effect commits or rolls back with its record.
 */
export async function firstConsumption(tx: Executor, consumer: string, eventId: string): Promise<boolean> {
  const first = await tx
    .insertInto('consumed_events')
    .values({ consumer, event_id: eventId })
    .onConflict((oc) => oc.columns(['consumer', 'event_id']).doNothing())
    .returning('event_id')
    .executeTakeFirst();
  return first !== undefined;
}
