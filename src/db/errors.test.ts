import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLockConflict, isTransientDbError, isUnstorableText } from './errors.js';

/** An error as Node's net module raises it (pg-pool passes it on as is). */
const netError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, errno: -111, syscall: 'connect' });

test('a database that is down or restarting is transient (→ 503 + Retry-After, consumers RETRY)', () => {
  // regression: these carry a Node `code`, not a SQLSTATE, and answered 500 during a PostgreSQL restart
  for (const c of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']) assert.equal(isTransientDbError(netError(c)), true, c);
  assert.equal(isTransientDbError(new Error('Connection terminated unexpectedly')), true);
  assert.equal(isTransientDbError(new Error('timeout exceeded when trying to connect')), false, 'pool exhaustion is not a restart');
  for (const sqlstate of ['57P01', '57P03', '08006', '08001', '40001', '40P01', '53300'])
    assert.equal(isTransientDbError(Object.assign(new Error('x'), { code: sqlstate })), true, sqlstate);
});

test('bugs and bad input are not transient', () => {
  for (const sqlstate of ['23505', '42P01', '22021', '42601'])
    assert.equal(isTransientDbError(Object.assign(new Error('x'), { code: sqlstate })), false, sqlstate);
  assert.equal(isTransientDbError(new TypeError('undefined is not a function')), false);
  assert.equal(isTransientDbError(null), false);
  assert.equal(isUnstorableText(Object.assign(new Error('invalid byte sequence'), { code: '22021' })), true);
});

test('a deadlock or serialization failure is a lock conflict (the command runs again); nothing else is', () => {
  for (const sqlstate of ['40P01', '40001'])
    assert.equal(isLockConflict(Object.assign(new Error('x'), { code: sqlstate })), true, sqlstate);
  for (const sqlstate of ['57P01', '23505', '55P03', undefined])
    assert.equal(isLockConflict(Object.assign(new Error('x'), { code: sqlstate })), false, String(sqlstate));
});
