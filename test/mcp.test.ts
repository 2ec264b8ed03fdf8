/**
 * The MCP server at /mcp (tools for AI assistants over Streamable HTTP), spoken to by the official SDK's own client
 * (Client + StreamableHTTPClientTransport): list tools, add tasks in a batch with natural-language
 * due dates, find them, complete them, the overview; login and personal access tokens, scopes,
 * and expired or revoked tokens refused.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Temporal } from 'temporal-polyfill';
import { client, signUp, type Session, type TestApp } from './support/app.js';
import { startTestApp, taskCount } from './support/util.js';

let app: TestApp;
let me: Session;
const ZONE = 'America/New_York';

before(async () => {
  app = await startTestApp();
  me = await signUp(app.url, 'mcp');
  assert.equal((await client(app.url, me.token).put(`/api/${me.userId}/preferences`, { timezone: ZONE })).status, 200);
});
after(async () => app?.close());

let lastTransport: StreamableHTTPClientTransport | undefined;
async function connect(token: string): Promise<Client> {
  const mcp = new Client({ name: 'taskstream-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${app.url}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  lastTransport = transport;
  await mcp.connect(transport);
  return mcp;
}

async function mintToken(scopes: string[], expires_at?: string) {
  const r = await client(app.url, me.token).post(`/api/${me.userId}/tokens`, {
    name: 'mcp test',
    scopes,
    ...(expires_at ? { expires_at } : {}),
  });
  assert.equal(r.status, 201);
  return r.body as { id: string; token: string };
}

const payload = (r: unknown) => (r as CallToolResult).structuredContent as any;

describe('MCP over Streamable HTTP', () => {
  let mcp: Client;
  before(async () => {
    mcp = await connect((await mintToken(['tasks:read', 'tasks:write'])).token);
  });
  after(async () => mcp?.close());

  test('initialize negotiates the current protocol version; the tools are listed with schemas and read-only hints', async () => {
    assert.equal(mcp.getServerVersion()?.name, 'taskstream');
    // the client offers the SDK's latest protocol version; the server answered with the same one
    assert.equal(lastTransport?.protocolVersion, LATEST_PROTOCOL_VERSION);
    assert.ok(LATEST_PROTOCOL_VERSION >= '2025-11-25', LATEST_PROTOCOL_VERSION);
    const { tools } = await mcp.listTools();
    const names = tools.map((t) => t.name).sort();
    assert.deepEqual(names, [
      'add_project',
      'add_tasks',
      'complete_tasks',
      'delete_tasks',
      'find_projects',
      'find_tasks',
      'overview',
      'update_tasks',
    ]);
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    assert.equal(byName.find_tasks!.annotations?.readOnlyHint, true);
    assert.equal(byName.overview!.annotations?.readOnlyHint, true);
    assert.equal(byName.find_projects!.annotations?.readOnlyHint, true);
    assert.equal(byName.add_project!.annotations?.readOnlyHint, false);
    assert.equal(byName.add_tasks!.annotations?.readOnlyHint, false);
    assert.equal(byName.delete_tasks!.annotations?.destructiveHint, true);
    // generated from the REST schemas: the task fields and their limits are the API's
    const item = (byName.add_tasks!.inputSchema.properties as any).tasks.items;
    assert.equal(item.properties.title.maxLength, 200);
    assert.deepEqual(
      item.properties.priority.anyOf.map((p: any) => p.const),
      ['none', 'low', 'medium', 'high', 'urgent'],
    );
    assert.ok(item.properties.due, 'due in words');
    assert.equal(item.additionalProperties, false);
    assert.ok((byName.find_tasks!.inputSchema.properties as any).overdue);
  });

  test('add_tasks in a batch (due in words, in the user zone), find_tasks, complete_tasks, overview', async () => {
    const added = await mcp.callTool({
      name: 'add_tasks',
      arguments: {
        tasks: [
          { title: 'Call the plumber', due: 'tomorrow 9am', priority: 'high', tags: ['home'] },
          { title: 'Water plants', due: 'every monday 8am' },
          { title: 'Read a book' },
          { title: 'Pay the gas bill', due_date: new Date(Date.now() - 3_600_000).toISOString() },
        ],
      },
    });
    assert.ok(!added.isError, JSON.stringify(added.content));
    const { tasks } = payload(added);
    assert.equal(tasks.length, 4);
    const [plumber, plants, book, bill] = tasks;
    const local = (iso: string) => Temporal.Instant.from(iso).toZonedDateTimeISO(ZONE);
    const tomorrow = Temporal.Now.plainDateISO(ZONE).add({ days: 1 });
    assert.equal(local(plumber.due_date).toPlainDate().toString(), tomorrow.toString());
    assert.equal(local(plumber.due_date).hour, 9, 'read in the preference zone (America/New_York)');
    assert.equal(plumber.timezone, ZONE);
    assert.deepEqual([plumber.priority, plumber.tags], ['high', ['home']]);
    assert.equal(plants.recurrence, 'FREQ=WEEKLY;BYDAY=MO');
    assert.equal(local(plants.due_date).dayOfWeek, 1);
    assert.equal(local(plants.due_date).hour, 8);
    assert.equal(book.due_date, null);
    assert.ok(bill.due_date);

    const found = await mcp.callTool({ name: 'find_tasks', arguments: { tag: ['home'], status: 'pending' } });
    assert.deepEqual(
      payload(found).tasks.map((t: any) => t.id),
      [plumber.id],
    );
    const overdue = await mcp.callTool({ name: 'find_tasks', arguments: { overdue: true } });
    assert.deepEqual(
      payload(overdue).tasks.map((t: any) => t.title),
      ['Pay the gas bill'],
    );
    const page = await mcp.callTool({ name: 'find_tasks', arguments: { limit: 2, sort: 'created_at' } });
    assert.equal(payload(page).tasks.length, 2);
    assert.equal(payload(page).total, 4);
    const rest = await mcp.callTool({ name: 'find_tasks', arguments: { limit: 2, sort: 'created_at', cursor: payload(page).next_cursor } });
    assert.deepEqual(
      payload(rest).tasks.map((t: any) => t.title),
      ['Read a book', 'Pay the gas bill'],
    );

    const before = payload(await mcp.callTool({ name: 'overview', arguments: {} }));
    assert.deepEqual(
      { open: before.open, overdue: before.overdue, no_due_date: before.no_due_date, timezone: before.timezone },
      { open: 4, overdue: 1, no_due_date: 1, timezone: ZONE },
    );
    // tomorrow 09:00 and next Monday 08:00 are within the next 7 days after today, or today
    assert.equal(before.today + before.upcoming, 2);

    const done = await mcp.callTool({ name: 'complete_tasks', arguments: { ids: [plumber.id, bill.id] } });
    assert.ok(!done.isError, JSON.stringify(done.content));
    assert.deepEqual(
      payload(done).results.map((r: any) => [r.id, r.ok, r.result.completed]),
      [
        [plumber.id, true, true],
        [bill.id, true, true],
      ],
    );
    const afterDone = payload(await mcp.callTool({ name: 'overview', arguments: {} }));
    assert.deepEqual([afterDone.open, afterDone.overdue], [2, 0]);
    const completed = await mcp.callTool({ name: 'find_tasks', arguments: { status: 'completed' } });
    assert.deepEqual(
      payload(completed)
        .tasks.map((t: any) => t.id)
        .sort(),
      [plumber.id, bill.id].sort(),
    );
  });

  test('add_tasks is all or nothing: one bad task names its index and nothing is written', async () => {
    const before = await taskCount(app, me.userId);
    const r = await mcp.callTool({
      name: 'add_tasks',
      arguments: { tasks: [{ title: 'fine' }, { title: 'bad date', due: 'whenever the moon is blue' }, { title: 'x'.repeat(201) }] },
    });
    assert.equal(r.isError, true);
    const fields = payload(r).errors.map((e: any) => e.field);
    assert.ok(fields.includes('tasks/2/title'), JSON.stringify(fields));
    const second = await mcp.callTool({
      name: 'add_tasks',
      arguments: { tasks: [{ title: 'fine' }, { title: 'bad date', due: 'whenever the moon is blue' }] },
    });
    assert.equal(second.isError, true);
    assert.deepEqual(
      payload(second).errors.map((e: any) => e.field),
      ['tasks/1/due'],
    );
    const third = await mcp.callTool({
      name: 'add_tasks',
      arguments: { tasks: [{ title: 'fine' }, { title: 'bad rule', recurrence: 'FREQ=SOMETIMES' }] },
    });
    assert.equal(third.isError, true);
    assert.match(payload(third).errors[0].field, /^tasks\/1\//);
    assert.equal(await taskCount(app, me.userId), before, 'no task was created');
  });

  test('update_tasks and delete_tasks report each id; a missing or foreign id fails alone', async () => {
    const other = await signUp(app.url, 'mcp-other');
    const foreign = (await client(app.url, other.token).post(`/api/${other.userId}/tasks`, { title: 'not yours' })).body;
    const { tasks } = payload(await mcp.callTool({ name: 'add_tasks', arguments: { tasks: [{ title: 'rename me' }] } }));
    const upd = await mcp.callTool({
      name: 'update_tasks',
      arguments: {
        updates: [
          { id: tasks[0].id, title: 'renamed', due: 'friday 5pm' },
          { id: foreign.id, title: 'hijacked' },
        ],
      },
    });
    assert.equal(upd.isError, true, 'one of them failed');
    const [ok, bad] = payload(upd).results;
    assert.equal(ok.result.title, 'renamed');
    assert.equal(Temporal.Instant.from(ok.result.due_date).toZonedDateTimeISO(ZONE).hour, 17);
    assert.deepEqual([bad.id, bad.ok, bad.status], [foreign.id, false, 404]);
    assert.equal((await client(app.url, other.token).get(`/api/${other.userId}/tasks/${foreign.id}`)).body.title, 'not yours');
    const del = await mcp.callTool({ name: 'delete_tasks', arguments: { ids: [tasks[0].id, foreign.id] } });
    assert.deepEqual(
      payload(del).results.map((r: any) => [r.ok, r.status ?? 204]),
      [
        [true, 204],
        [false, 404],
      ],
    );
    assert.equal((await client(app.url, me.token).get(`/api/${me.userId}/tasks/${tasks[0].id}`)).status, 404);
    assert.equal((await client(app.url, other.token).get(`/api/${other.userId}/tasks/${foreign.id}`)).status, 200);
  });

  test('projects: add_project, add_tasks into it, find_projects, find_tasks by project and view=today, overview per project', async () => {
    const made = await mcp.callTool({ name: 'add_project', arguments: { name: 'Garden', color: '#22aa44' } });
    assert.ok(!made.isError, JSON.stringify(made.content));
    const garden = payload(made).project;
    assert.equal(garden.name, 'Garden');
    const later = Temporal.Now.zonedDateTimeISO(ZONE).add({ minutes: 5 });
    const today = later.toPlainDate().equals(Temporal.Now.plainDateISO(ZONE));
    const added = await mcp.callTool({
      name: 'add_tasks',
      arguments: {
        tasks: [
          { title: 'Mow the lawn', project_id: garden.id, due_date: later.toInstant().toString() },
          { title: 'Buy seeds', project_id: garden.id },
        ],
      },
    });
    assert.ok(!added.isError, JSON.stringify(added.content));
    assert.deepEqual(
      payload(added).tasks.map((t: any) => t.project_id),
      [garden.id, garden.id],
    );
    const projects = payload(await mcp.callTool({ name: 'find_projects', arguments: { archived: false } })).projects;
    const listed = projects.find((p: any) => p.id === garden.id);
    assert.equal(listed.open_task_count, 2);
    assert.ok(
      projects.some((p: any) => p.inbox),
      'the Inbox is listed',
    );
    const inGarden = payload(await mcp.callTool({ name: 'find_tasks', arguments: { project_id: garden.id } })).tasks;
    assert.deepEqual(inGarden.map((t: any) => t.title).sort(), ['Buy seeds', 'Mow the lawn']);
    const todayView = payload(await mcp.callTool({ name: 'find_tasks', arguments: { view: 'today', project_id: garden.id } })).tasks;
    assert.deepEqual(
      todayView.map((t: any) => t.title),
      today ? ['Mow the lawn'] : [],
    );
    const overview = payload(await mcp.callTool({ name: 'overview', arguments: {} }));
    const row = overview.projects.find((p: any) => p.id === garden.id);
    assert.deepEqual(
      { open: row.open, overdue: row.overdue, no_due_date: row.no_due_date, today_or_upcoming: row.today + row.upcoming },
      { open: 2, overdue: 0, no_due_date: 1, today_or_upcoming: 1 },
    );
    const sum = (k: string) => overview.projects.reduce((n: number, p: any) => n + p[k], 0);
    assert.equal(sum('open'), overview.open, 'the projects add up to the whole');
    const unknown = await mcp.callTool({
      name: 'add_tasks',
      arguments: { tasks: [{ title: 'x' }, { title: 'y', project_id: 2147483000 }] },
    });
    assert.equal(unknown.isError, true);
    assert.match(payload(unknown).error, /^tasks\/1: /);
  });

  test('invalid arguments are a tool error naming the field (the model can correct itself)', async () => {
    const r = await mcp.callTool({ name: 'complete_tasks', arguments: { ids: ['seven'] } });
    assert.equal(r.isError, true);
    assert.equal(payload(r).errors[0].field, 'ids/0');
    const extra = await mcp.callTool({ name: 'find_tasks', arguments: { colour: 'red' } });
    assert.equal(payload(extra).errors[0].field, 'colour');
  });
});

describe('MCP authentication', () => {
  test('a login token works too', async () => {
    const mcp = await connect(me.token);
    assert.ok((await mcp.listTools()).tools.length >= 6);
    await mcp.close();
  });

  test('no token or a bad one: 401 before anything (the SDK client fails to connect)', async () => {
    for (const token of ['', 'tsk_' + 'x'.repeat(43), 'not-a-jwt']) {
      const res = await fetch(`${app.url}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      assert.equal(res.status, 401, token);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
    }
    await assert.rejects(connect('tsk_' + 'y'.repeat(43)));
  });

  test('a revoked token is refused on its next call', async () => {
    const { id, token } = await mintToken(['tasks:read']);
    const mcp = await connect(token);
    assert.ok((await mcp.listTools()).tools.length > 0);
    assert.equal((await client(app.url, me.token).del(`/api/${me.userId}/tokens/${id}`)).status, 204);
    await assert.rejects(mcp.listTools(), /401|Unauthorized|unknown or revoked/i);
    await mcp.close();
  });

  test('an expired token is refused', async () => {
    const { id, token } = await mintToken(['tasks:read'], new Date(Date.now() + 3_600_000).toISOString());
    const mcp = await connect(token);
    await sql`UPDATE access_tokens SET expires_at = now() - interval '1 second' WHERE id = ${id}`.execute(app.running.services.db);
    await assert.rejects(mcp.callTool({ name: 'overview', arguments: {} }), /401|Unauthorized|expired/i);
    await mcp.close();
    await assert.rejects(connect(token));
  });

  test('scopes per tool: a read-only token may find but not add; nothing is written', async () => {
    const mcp = await connect((await mintToken(['tasks:read'])).token);
    const before = await taskCount(app, me.userId);
    assert.ok(!(await mcp.callTool({ name: 'find_tasks', arguments: {} })).isError);
    const add = await mcp.callTool({ name: 'add_tasks', arguments: { tasks: [{ title: 'not allowed' }] } });
    assert.equal(add.isError, true);
    assert.match(payload(add).error, /tasks:write/);
    assert.equal(await taskCount(app, me.userId), before);
    await mcp.close();
    const writeOnly = await connect((await mintToken(['tasks:write'])).token);
    const find = await writeOnly.callTool({ name: 'find_tasks', arguments: {} });
    assert.equal(find.isError, true);
    assert.match(payload(find).error, /tasks:read/);
    await writeOnly.close();
  });

  test('a request from a browser page of another origin is refused (DNS rebinding); the same origin is served', async () => {
    const post = (origin: string) =>
      fetch(`${app.url}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${me.token}`,
          origin,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      });
    assert.equal((await post('http://evil.example')).status, 403);
    const ok = await post(app.url);
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get('x-request-id') ?? '', /\S/, 'the request id of the logs comes back');
  });

  test('Accept: any that admits JSON is served (the answer is JSON); one that does not is a 406 problem', async () => {
    const post = (accept: string | undefined, body: unknown = { jsonrpc: '2.0', id: 1, method: 'ping' }) =>
      fetch(`${app.url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${me.token}`, ...(accept ? { accept } : {}) },
        body: JSON.stringify(body),
      });
    for (const accept of [undefined, '*/*', 'application/json', 'application/*;q=0.5, text/html']) {
      const res = await post(accept);
      assert.equal(res.status, 200, `Accept: ${accept}`);
      assert.deepEqual(await res.json(), { jsonrpc: '2.0', id: 1, result: {} });
    }
    for (const accept of ['text/html', 'text/event-stream', 'application/json;q=0']) {
      const res = await post(accept);
      assert.equal(res.status, 406, `Accept: ${accept}`);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    }
    // what the SDK's transport would refuse with its JSON-RPC 400 is a 422 problem (the schema is the SDK's own)
    for (const body of [
      { jsonrpc: '2.0', id: 1 },
      { jsonrpc: '2.0', id: 1.5, method: 'ping' },
      { jsonrpc: '2.0', method: 'ping', extra: 1 },
    ]) {
      const res = await post(undefined, body);
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    }
  });

  test('GET /mcp (the optional server stream) is 405: the server is stateless', async () => {
    const res = await fetch(`${app.url}/mcp`, { headers: { authorization: `Bearer ${me.token}`, accept: 'text/event-stream' } });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'POST');
  });
});
