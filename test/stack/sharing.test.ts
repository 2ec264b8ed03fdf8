/**
 * Sharing through the real stack: a change made through the API of one
 * backend replica reaches a member's stream served by another, by way of the outbox, daprd,
 * Kafka, the ROLE=recurring consumer and LISTEN/NOTIFY; and a removed member's stream hears of its
 * removal and nothing more of the project. The second replica: test/stack/replicas.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { client, signUp, type Session } from '../support/app.js';
import { openStream, sleep, type SseStream } from '../support/util.js';
import { twoReplicas, type TwoReplicas } from './replicas.js';
import type { TopicReader } from './support.js';

const A = 'http://127.0.0.1:8000';
const B_PORT = 8030;
const B = `http://127.0.0.1:${B_PORT}`;
/** through Kafka and two consumers: generous for a loaded CI machine, far from "never" */
const LIVE_MS = 20_000;

let stackUp: TwoReplicas | undefined;
let reader: TopicReader;
let owner: Session;
let member: Session;
let other: Session;

before(
  async () => {
    stackUp = await twoReplicas({ name: 'backend-3', appPort: B_PORT, daprHttp: 3530, daprGrpc: 30030 }, ['task-events', 'project-events']);
    ({ reader } = stackUp);
    [owner, member, other] = await Promise.all([
      signUp(A, 'stack-share-owner'),
      signUp(A, 'stack-share-member'),
      signUp(A, 'stack-share-other'),
    ]);
  },
  { timeout: 900_000 },
);

after(async () => stackUp?.close());

const streamOn = (base: string, s: Session): Promise<SseStream> =>
  openStream(`${base}/api/${s.userId}/stream`, { authorization: `Bearer ${s.token}` });

describe('sharing through daprd and Kafka, two API replicas', () => {
  test("a change through replica A reaches a member's stream on replica B; after removal, nothing more", { timeout: 300_000 }, async () => {
    const o = client(A, owner.token);
    const project = (await o.post(`/api/${owner.userId}/projects`, { name: 'stack shared' })).body;
    assert.equal(
      (await o.post(`/api/${owner.userId}/projects/${project.id}/members`, { email: member.email, role: 'editor' })).status,
      201,
    );
    const [memberOnB, otherOnB] = [await streamOn(B, member), await streamOn(B, other)];
    assert.equal(memberOnB.status, 200);
    try {
      const t = await o.post(`/api/${owner.userId}/tasks`, { title: 'made on A', project_id: project.id, assignee_id: member.userId });
      assert.equal(t.status, 201, JSON.stringify(t.body));
      const got = await memberOnB.next((e) => e.event === 'task' && e.data.task_id === t.body.id, LIVE_MS);
      assert.equal(got.data.event_type, 'created');
      assert.equal(got.data.user_id, owner.userId, 'the event is the owner’s, delivered to the member');
      assert.deepEqual(got.data.audience, [owner.userId, member.userId]);
      assert.equal(got.data.assignee_id, member.userId);
      // the `assigned` notification, through the notifications topic and the ROLE=notifications consumer
      await memberOnB.next((e) => e.event === 'notification' && e.data.type === 'assigned' && e.data.task_id === t.body.id, LIVE_MS);
      // the member edits through B: the owner's stream on A hears it
      const ownerOnA = await streamOn(A, owner);
      try {
        const m = client(B, member.token);
        assert.equal((await m.put(`/api/${member.userId}/tasks/${t.body.id}`, { title: 'edited on B' })).status, 200);
        await ownerOnA.next((e) => e.event === 'task' && e.data.task_id === t.body.id && e.data.data.title === 'edited on B', LIVE_MS);
      } finally {
        ownerOnA.close();
      }
      // removal: the member's stream on B hears it (project message naming it in `revoked`), then nothing of the project
      assert.equal((await o.del(`/api/${owner.userId}/projects/${project.id}/members/${member.userId}`)).status, 204);
      await memberOnB.next(
        (e) => e.event === 'project' && e.data.project_id === project.id && e.data.revoked?.includes(member.userId),
        LIVE_MS,
      );
      const unassigned = await memberOnB
        .next((e) => e.event === 'task' && e.data.task_id === t.body.id && e.data.assignee_id === null, 2_000)
        .catch(() => undefined);
      assert.equal(unassigned, undefined, 'the unassignment is the project’s news, not the removed member’s');
      const later = await o.put(`/api/${owner.userId}/tasks/${t.body.id}`, { title: 'after removal' });
      assert.equal(later.status, 200);
      // the owner's event went over Kafka: by the time it is there and a little after, the removed member got nothing
      const deadline = Date.now() + LIVE_MS;
      while (!reader.payloads('task-events', (p) => p.task_id === t.body.id && p.data?.title === 'after removal').length) {
        assert.ok(Date.now() < deadline, 'the change reached Kafka');
        await sleep(200);
      }
      await sleep(2_000);
      assert.ok(!memberOnB.events.some((e) => e.event === 'task' && e.data.data?.title === 'after removal'));
      assert.equal((await client(B, member.token).get(`/api/${member.userId}/tasks/${t.body.id}`)).status, 404);
      assert.ok(!otherOnB.events.some((e) => e.event === 'task' && e.data.task_id === t.body.id), 'never to a non-member');
    } finally {
      memberOnB.close();
      otherOnB.close();
    }
  });
});
