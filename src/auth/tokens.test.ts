import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidTokenError, Tokens } from './tokens.js';

const secret = 'a-test-secret-of-at-least-32-characters!';

test('a token verified before is accepted again, and refused once it expired (the memory never outlives exp)', async () => {
  const tokens = new Tokens({ secret, ttlSeconds: 1 });
  const { token } = await tokens.issue('user-1');
  assert.equal(await tokens.verify(token), 'user-1');
  assert.equal(await tokens.verify(token), 'user-1');
  await new Promise((r) => setTimeout(r, 2100));
  await assert.rejects(tokens.verify(token), InvalidTokenError);
});

test('a token that failed is not remembered as good, and another secret is refused', async () => {
  const mine = new Tokens({ secret, ttlSeconds: 60 });
  const theirs = new Tokens({ secret: `${secret}-other`, ttlSeconds: 60 });
  const { token } = await theirs.issue('intruder');
  await assert.rejects(mine.verify(token), InvalidTokenError);
  await assert.rejects(mine.verify(token), InvalidTokenError);
});
