/**
 * Hostile input: random bodies and queries (fast-check) never get a 5xx and, when
 * refused, write nothing; NUL bytes and unpaired surrogates are refused with 422 (they answered
 * 500 / were silently altered); unicode edge cases round-trip verbatim; LIKE wildcards and quotes
 * in search match literally; markup in titles is stored verbatim and served as JSON; deeply nested
 * and oversized bodies are refused cleanly; the OpenAPI document describes what the server answers.
 * (test/validation.test.ts covers each field bound; this file throws everything else at it.)
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { client, signUp, startApp, type Session, type TestApp } from './support/app.js';
import { drained, outboxCount, taskCount } from './support/util.js';
import { request, type IncomingHttpHeaders } from 'node:http';

/** fetch refuses TRACE; node:http sends any method */
function raw(method: string, path: string): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request(`${app.url}${path}`, { method, headers: { authorization: `Bearer ${me.token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

let app: TestApp;
let me: Session;
let api: ReturnType<typeof client>;
let target: any;

before(async () => {
  app = await startApp();
  me = await signUp(app.url, 'hostile');
  api = client(app.url, me.token);
  target = (
    await api.post(`/api/${me.userId}/tasks`, { title: 'Target', due_date: '2031-05-01T10:00:00Z', reminders: [{ before_minutes: 5 }] })
  ).body;
  await drained(app);
});
after(async () => app?.close());

const tasks = () => `/api/${me.userId}/tasks`;

async function snapshot() {
  await drained(app); // consumers of earlier accepted requests have run
  const [count, outbox, task] = await Promise.all([
    taskCount(app, me.userId),
    outboxCount(app, me.userId),
    api.get(`${tasks()}/${target.id}`),
  ]);
  return { count, outbox, task: task.body };
}

/** Values of every JSON shape, biased towards the task fields and their edge cases. */
const anyJson = fc.jsonValue({ maxDepth: 3 });
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\uD800',
    '\uDFFF x',
    '%',
    '_',
    "'",
    '"',
    '\\',
    '<script>alert(1)</script>',
    'x'.repeat(5000),
  ),
);
const fieldValue = fc.oneof(anyJson, hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const taskishBody = fc.dictionary(
  fc.constantFrom(
    'title',
    'description',
    'completed',
    'priority',
    'tags',
    'due_date',
    'timezone',
    'reminders',
    'recurrence',
    'recurrence_basis',
    'id',
    'x',
  ),
  fc.oneof(
    fieldValue,
    fc.array(fieldValue, { maxLength: 4 }),
    fc.array(fc.record({ before_minutes: fieldValue }, { requiredKeys: [] }), { maxLength: 3 }),
    fc.array(fc.record({ at: fieldValue }, { requiredKeys: [] }), { maxLength: 3 }),
  ),
);

describe('random bodies and queries (fast-check)', () => {
  test('create: never 5xx; refused → nothing written; accepted → exactly one task and one event', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(taskishBody, anyJson), async (body) => {
        const before = await snapshot();
        const r = await api.post(tasks(), body);
        assert.ok(r.status < 500, `${r.status} for ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
        const after = await snapshot();
        if (r.status === 201) {
          assert.equal(after.count, before.count + 1);
          assert.equal(after.outbox, before.outbox + 1);
        } else {
          assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
          assert.deepEqual(after, before, `refused (${r.status}) but something changed`);
        }
      }),
      { numRuns: 150 },
    );
  });

  test('update: never 5xx; refused → the task and the outbox unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(taskishBody, anyJson), async (body) => {
        const before = await snapshot();
        const r = await api.put(`${tasks()}/${target.id}`, body);
        assert.ok(r.status < 500, `${r.status} for ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
        if (r.status === 200) {
          target = r.body;
          return;
        }
        assert.deepEqual(await snapshot(), before, `refused (${r.status}) but something changed`);
      }),
      { numRuns: 100 },
    );
  });

  test('list: any query string → 200 or a 4xx problem, never 5xx', async () => {
    const key = fc.constantFrom('q', 'status', 'priority', 'tag', 'due_from', 'due_to', 'overdue', 'sort', 'limit', 'cursor', 'zzz');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, hostileString), { maxLength: 5 }), async (pairs) => {
        const qs = new URLSearchParams(pairs).toString();
        const r = await api.get(`${tasks()}?${qs}`);
        assert.ok(r.status === 200 || (r.status >= 400 && r.status < 500), `${r.status} for ?${qs}: ${JSON.stringify(r.body)}`);
      }),
      { numRuns: 150 },
    );
  });

  test('auth routes: random credentials → never 5xx', async () => {
    const anon = client(app.url);
    await fc.assert(
      fc.asyncProperty(fc.record({ email: hostileString, password: hostileString }, { requiredKeys: [] }), async (body) => {
        const r = await anon.post('/api/auth/register', body);
        assert.ok(r.status < 500, `${r.status} for ${JSON.stringify(body)}`);
      }),
      { numRuns: 15 }, // register is rate limited (20 a minute per client)
    );
  });
});

describe('text PostgreSQL cannot store, and text that is not well-formed', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['NUL in the title', { title: 'a\u0000b' }, 'title'],
    ['NUL in the description', { title: 'ok', description: '\u0000' }, 'description'],
    ['NUL in a tag', { title: 'ok', tags: ['fine', 'x\u0000'] }, 'tags/1'],
    ['NUL in the recurrence', { title: 'ok', recurrence: 'FREQ=DAILY\u0000' }, 'recurrence'],
    ['NUL in the time zone', { title: 'ok', timezone: 'UTC\u0000' }, 'timezone'],
    ['an unpaired high surrogate in the title', { title: 'broken \uD83D' }, 'title'],
    ['an unpaired low surrogate in a tag', { title: 'ok', tags: ['\uDE00'] }, 'tags/0'],
  ];
  for (const [label, body, field] of cases) {
    test(`${label} → 422 naming ${field}, nothing written (was 500 / silently altered)`, async () => {
      const before = await snapshot();
      for (const r of [await api.post(tasks(), body), await api.put(`${tasks()}/${target.id}`, body)]) {
        assert.equal(r.status, 422, JSON.stringify(r.body));
        assert.ok(
          r.body.errors.some((e: any) => e.field === field && /NUL|surrogate/.test(e.message)),
          JSON.stringify(r.body.errors),
        );
      }
      assert.deepEqual(await snapshot(), before);
    });
  }

  test('NUL in a search, a tag filter, preferences and credentials → 422, not 500', async () => {
    assert.equal((await api.get(`${tasks()}?q=${encodeURIComponent('a\u0000')}`)).status, 422);
    assert.equal((await api.get(`${tasks()}?tag=${encodeURIComponent('\u0000')}`)).status, 422);
    assert.equal((await api.put(`/api/${me.userId}/preferences`, { timezone: '\u0000' })).status, 422);
    const anon = client(app.url);
    assert.equal(
      (await anon.post('/api/auth/register', { email: 'nul\u0000@example.com', password: 'plum kettle orbit seven' })).status,
      422,
    );
    assert.equal(
      (await anon.post('/api/auth/register', { email: `n${Date.now()}@example.com`, password: 'long\u0000enough' })).status,
      422,
    );
  });
});

describe('unicode edge cases round-trip verbatim', () => {
  const samples = [
    '😀 emoji 👩‍👩‍👧‍👦 family (ZWJ) 🏳️‍🌈 flag 👍🏽 skin tone',
    'e\u0301 combining acute, a\u0308\u0304 two marks, Z̤̈ zalgo-ish',
    'שלום עולם mixed with English and 123 (RTL)',
    'مرحبا \u202Eevil override\u202C done',
    'zero\u200Bwidth\u200Cjoiner\u200Dand\uFEFFbom',
    '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛 astral',
    '\u0001\u0007\u001F control characters \u007F',
  ];
  for (const text of samples) {
    test(JSON.stringify(text).slice(0, 50), async () => {
      const tag = [...text].slice(0, 20).join('');
      const r = await api.post(tasks(), { title: text, description: text, tags: [tag] });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.title, text.trim());
      assert.equal(r.body.description, text);
      const back = await api.get(`${tasks()}/${r.body.id}`);
      assert.equal(back.body.title, text.trim());
      assert.equal(back.body.description, text);
      assert.equal(back.body.tags[0], tag.trim().toLowerCase());
    });
  }

  test('a 200-character title of astral characters is accepted: lengths count characters (code points), like JSON Schema', async () => {
    // 😀 is 2 UTF-16 units but 1 character for JSON Schema (Ajv counts code points): 200 emoji are accepted
    const r = await api.post(tasks(), { title: '😀'.repeat(200) });
    assert.equal(r.status, 201);
    assert.equal([...r.body.title].length, 200);
    assert.equal((await api.post(tasks(), { title: '😀'.repeat(201) })).status, 422);
  });
});

describe('search with LIKE wildcards, quotes and backslashes matches literally', () => {
  const titles = [
    '100% done',
    '100 percent done',
    'a_b underscore',
    'aXb no underscore',
    "it's quoted",
    'say "hi"',
    'back\\slash',
    'plain',
  ];
  let u: Session;
  let uapi: ReturnType<typeof client>;
  before(async () => {
    u = await signUp(app.url, 'search');
    uapi = client(app.url, u.token);
    for (const title of titles) assert.equal((await uapi.post(`/api/${u.userId}/tasks`, { title })).status, 201);
  });
  const expect: [string, string[]][] = [
    ['%', ['100% done']],
    ['0%', ['100% done']],
    ['_', ['a_b underscore']],
    ['a_b', ['a_b underscore']],
    ["'", ["it's quoted"]],
    ["it's", ["it's quoted"]],
    ['"', ['say "hi"']],
    ['\\', ['back\\slash']],
    ["' OR '1'='1", []],
    ['%%', []],
  ];
  for (const [q, want] of expect) {
    test(`q=${q}`, async () => {
      const r = await uapi.get(`/api/${u.userId}/tasks?q=${encodeURIComponent(q)}&limit=200`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.map((t: any) => t.title).sort(), [...want].sort());
    });
  }
});

describe('markup in titles is data', () => {
  test('stored verbatim and served as JSON, never as HTML', async () => {
    const title = '<script>alert(1)</script><img src=x onerror="alert(2)"> & &amp; </title>';
    const r = await api.post(tasks(), { title, description: '<b>bold</b><iframe src="javascript:alert(3)">' });
    assert.equal(r.status, 201);
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    const back = await fetch(`${app.url}${tasks()}/${r.body.id}`, { headers: { authorization: `Bearer ${me.token}` } });
    assert.match(back.headers.get('content-type') ?? '', /^application\/json/);
    const raw = await back.text();
    assert.equal(JSON.parse(raw).title, title, 'verbatim, not escaped or stripped');
    assert.ok(raw.includes('<script>'), 'JSON carries it as text');
  });
});

describe('deeply nested, oversized and odd requests', () => {
  test('a deeply nested body (20 000 levels, under 64 KB) → 4xx, nothing written, server alive', async () => {
    const before = await snapshot();
    const depth = 20_000;
    for (const body of ['['.repeat(depth) + ']'.repeat(depth), '{"a":'.repeat(depth / 2) + '1' + '}'.repeat(depth / 2)]) {
      const r = await api.call('POST', tasks(), body);
      assert.ok(r.status >= 400 && r.status < 500, `got ${r.status}`);
      const nested = await api.call(
        'POST',
        tasks(),
        JSON.stringify({ title: 'nested', tags: JSON.parse('['.repeat(100) + ']'.repeat(100)) }),
      );
      assert.equal(nested.status, 422);
    }
    assert.deepEqual(await snapshot(), before);
    assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
  });

  test('10 000 repeated query parameters and a 15 KB URL → 4xx, not 5xx', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => `tag=t${i}`).join('&');
    const r = await api.get(`${tasks()}?${many}`.slice(0, 15_000));
    assert.ok(r.status >= 400 && r.status < 500, `got ${r.status}`);
  });

  test('a 1 MB body is refused with 413 before it is parsed', async () => {
    const r = await api.call('POST', tasks(), JSON.stringify({ title: 'x', description: 'd'.repeat(1024 * 1024) }));
    assert.equal(r.status, 413);
  });

  test('an unsupported method on a known path → 405 with Allow (was 404 or 400)', async () => {
    for (const method of ['TRACE', 'QUERY', 'PATCH']) {
      const r = await raw(method, tasks());
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.allow, 'GET, HEAD, POST', method);
      assert.match(r.headers['content-type'] ?? '', /^application\/problem\+json/);
    }
    assert.equal((await api.get(`/api/${me.userId}/nothing-here`)).status, 404, 'an unknown path stays 404');
  });

  test('a {user_id} of 101–128 characters reaches authentication (403), not the router (414)', async () => {
    for (const n of [101, 128, 129, 400]) {
      const r = await api.get(`/api/${'u'.repeat(n)}/tasks`);
      assert.equal(r.status, 403, `length ${n}: ${r.status}`);
      assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
    }
    for (const [method, path] of [
      ['GET', `/api/${'u'.repeat(600)}/tasks`],
      ['POST', `/api/${'u'.repeat(501)}/stream-ticket`],
      ['GET', `/api/${me.userId}/tasks/${'1'.repeat(600)}`],
    ] as const) {
      const r = await api.call(method, path);
      assert.equal(r.status, 414, `${method} ${path.slice(0, 30)}`);
      assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/, 'even the router speaks problem+json');
    }
    assert.equal((await fetch(`${app.url}/api/%E0%A4%A/tasks`)).status, 400);
  });
});

describe('the OpenAPI document describes what the server answers', () => {
  let doc: any;
  before(async () => {
    doc = (await client(app.url).get('/openapi.json')).body;
  });

  test('error responses are application/problem+json; bodies may be malformed, oversized or not JSON', () => {
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        for (const [status, res] of Object.entries<any>(op.responses ?? {})) {
          if (Number(status) >= 400)
            assert.deepEqual(Object.keys(res.content ?? {}), ['application/problem+json'], `${method} ${path} ${status}`);
        }
        if (op.requestBody) {
          for (const s of ['400', '413', '415', '422']) assert.ok(op.responses[s], `${method} ${path} documents ${s}`);
        }
      }
    }
  });

  test("every operation with a path parameter documents the router's 414 (a parameter over 500 characters)", () => {
    let withParams = 0;
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        if (path.includes('{')) withParams++;
        assert.equal(Boolean(op.responses['414']), path.includes('{'), `${method} ${path}`);
      }
    }
    assert.ok(withParams > 30, `${withParams} operations with a path parameter`);
  });

  test('every authenticated write, and every route with a limit of its own, documents 429 with Retry-After', () => {
    let writes = 0;
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        const authenticated = (op.security ?? doc.security).length > 0;
        if (authenticated && ['post', 'put', 'patch', 'delete'].includes(method)) {
          writes++;
          assert.ok(op.responses['429'], `${method} ${path} (the write rate)`);
        }
        if (op.responses['429']) assert.equal(op.responses['429'].headers?.['Retry-After']?.required, true, `${method} ${path}`);
      }
    }
    assert.ok(writes > 25, `${writes} authenticated writes`);
    for (const [path, method] of [
      ['/mcp', 'post'],
      ['/api/auth/register', 'post'],
      ['/api/auth/login', 'post'],
      ['/api/{user_id}/stream', 'get'],
    ] as const)
      assert.ok(doc.paths[path][method].responses['429'], `${method} ${path}`);
    assert.equal(doc.paths['/api/{user_id}/tasks'].get.responses['429'], undefined, 'reads are not rate limited');
  });

  test('register and login are public; every other operation needs the bearer token', () => {
    assert.deepEqual(doc.security, [{ bearer: [] }]);
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        // the calendar feed is public too: the secret token in its path is the credential (calendar apps send no headers)
        if (path.startsWith('/api/auth/') || path.startsWith('/ical/')) assert.deepEqual(op.security, [], `${method} ${path}`);
        // the stream takes either credential: a browser's EventSource cannot send the header
        else if (path === '/api/{user_id}/stream') assert.deepEqual(op.security, [{ bearer: [] }, { streamTicket: [] }]);
        else assert.equal(op.security, undefined, `${method} ${path} inherits bearer`);
      }
    }
    assert.ok(doc.paths['/api/auth/register'].post.responses['429'], 'register is rate limited too');
    assert.deepEqual(doc.components.securitySchemes.streamTicket, {
      ...doc.components.securitySchemes.streamTicket,
      type: 'apiKey',
      in: 'query',
      name: 'ticket',
    });
    const streamParams = (doc.paths['/api/{user_id}/stream'].get.parameters ?? []).map((p: any) => p.name);
    assert.ok(!streamParams.includes('ticket'), 'the ticket is a credential, not a parameter');
  });

  test('PATCH …/complete may be sent without a body (it toggles)', async () => {
    assert.equal(doc.paths['/api/{user_id}/tasks/{id}/complete'].patch.requestBody.required, false);
    const r = await api.patch(`${tasks()}/${target.id}/complete`);
    assert.equal(r.status, 200);
  });
});
