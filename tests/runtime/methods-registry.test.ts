import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AGENT_METHODS } from '../../runtime/agent/methods.js';
import { AGENT_METHOD_SCOPES } from '../../runtime/agent/method-scopes.js';
import { METHODS } from '../../runtime/gateway/ws/methods.js';

test('the lazily loaded agent methods are advertised with the scopes their implementation declares', () => {
  assert.deepEqual(Object.keys(AGENT_METHODS).sort(), Object.keys(AGENT_METHOD_SCOPES).sort());
  for (const [name, method] of Object.entries(AGENT_METHODS)) {
    assert.deepEqual(METHODS[name]?.scopes, method.scopes, name);
  }
});
