/**
 * Regression guard for a lost-events bug the fault suite found (test/faults, consumer killed
 * mid-stream): with a deadLetterTopic on the subscriptions and no Resiliency policy, daprd makes
 * one delivery attempt and dead-letters the message when the app is unreachable or answers RETRY.
 * Both component folders must carry the policy that retries inbound deliveries until they succeed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

for (const folder of ['dapr/components-local', 'dapr/components']) {
  test(`${folder}: failed deliveries of todo-pubsub are retried, not dead-lettered`, async () => {
    const subscriptions = await readFile(`${folder}/subscription.yaml`, 'utf8');
    assert.match(subscriptions, /deadLetterTopic:/, 'the subscriptions dead-letter (which is why the policy matters)');
    const policy = await readFile(`${folder}/resiliency.yaml`, 'utf8');
    assert.match(policy, /^kind: Resiliency$/m);
    assert.match(policy, /deliverUntilDone:\s*\n\s+policy: exponential\s*\n\s+maxInterval: \w+\s*\n\s+maxRetries: -1/, 'retries forever');
    assert.match(policy, /todo-pubsub:\s*\n\s+inbound:\s*\n\s+retry: deliverUntilDone/, 'applies to deliveries into the app');
    for (const app of ['todo-recurring', 'todo-notifications']) assert.match(policy, new RegExp(`^\\s+- ${app}$`, 'm'), `scoped to ${app}`);
  });
}
