import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCredentials, FailureThrottle, secretsEqual } from '../../runtime/gateway/auth.js';
import { resolveSettings } from '../../runtime/gateway/settings.js';
import { originAllowed, defaultOrigins } from '../../runtime/gateway/ws/origin.js';
import { hasScope } from '../../runtime/gateway/ws/scopes.js';

test('secrets compare by content, whatever their lengths', () => {
  assert.equal(secretsEqual('abc', 'abc'), true);
  assert.equal(secretsEqual('abc', 'abd'), false);
  assert.equal(secretsEqual('abc', 'abcd'), false);
  assert.equal(secretsEqual('', 'x'), false);
});

test('credentials per auth mode', () => {
  assert.deepEqual(checkCredentials({ mode: 'token', token: 't' }, { token: 't' }), { ok: true, method: 'token' });
  assert.deepEqual(checkCredentials({ mode: 'token', token: 't' }, { token: 'u' }), { ok: false, reason: 'token_mismatch' });
  assert.deepEqual(checkCredentials({ mode: 'token', token: 't' }, { password: 't' }), { ok: false, reason: 'missing' });
  assert.deepEqual(checkCredentials({ mode: 'password', password: 'p' }, { password: 'p' }), { ok: true, method: 'password' });
  assert.deepEqual(checkCredentials({ mode: 'password', password: 'p' }, { token: 'p' }), { ok: false, reason: 'missing' });
  assert.deepEqual(checkCredentials({ mode: 'none' }, {}), { ok: true, method: 'none' });
});

test('failure delays double from 250 ms to a 5 s cap per address, and reset on success or quiet', () => {
  let now = 0;
  const throttle = new FailureThrottle(250, 5000, 60_000, () => now);
  assert.deepEqual(Array.from({ length: 8 }, () => throttle.fail('a')), [250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
  assert.equal(throttle.fail('b'), 250, 'addresses are independent');
  throttle.succeed('a');
  assert.equal(throttle.fail('a'), 250);
  now += 60_000;
  assert.equal(throttle.fail('b'), 250, 'forgotten after a quiet minute');
});

test('a remote address is locked out after maxAttempts failures in the window; loopback is exempt', () => {
  let now = 0;
  const throttle = new FailureThrottle(250, 5000, 60_000, () => now);
  const policy = { maxAttempts: 3, windowMs: 10_000, lockoutMs: 30_000, exemptLoopback: true };
  throttle.fail('10.0.0.9', policy);
  throttle.fail('10.0.0.9', policy);
  assert.equal(throttle.lockedFor('10.0.0.9'), 0);
  now = 100;
  throttle.fail('10.0.0.9', policy);
  assert.equal(throttle.lockedFor('10.0.0.9'), 30_000);
  now = 20_000;
  assert.equal(throttle.lockedFor('10.0.0.9'), 10_100);
  now = 40_000;
  assert.equal(throttle.lockedFor('10.0.0.9'), 0, 'the lockout expires');
  for (let i = 0; i < 5; i++) throttle.fail('127.0.0.1', policy, true);
  assert.equal(throttle.lockedFor('127.0.0.1'), 0, 'loopback is never locked out');
  throttle.fail('10.0.0.8', policy);
  now += 10_000;
  throttle.fail('10.0.0.8', policy);
  throttle.fail('10.0.0.8', policy);
  assert.equal(throttle.lockedFor('10.0.0.8'), 0, 'failures outside the window do not add up');
});

test('origins: listed, loopback for the port, or same-origin through an IP literal only', () => {
  const allowed = ['https://ui.example.com', ...defaultOrigins(18789)];
  assert.equal(originAllowed(undefined, '127.0.0.1:18789', allowed), true, 'non-browser clients send no Origin');
  assert.equal(originAllowed('http://127.0.0.1:18789', '127.0.0.1:18789', allowed), true);
  assert.equal(originAllowed('http://localhost:18789', 'localhost:18789', allowed), true);
  assert.equal(originAllowed('https://ui.example.com', 'gw.internal:443', allowed), true);
  assert.equal(originAllowed('https://evil.example', '127.0.0.1:18789', allowed), false);
  assert.equal(originAllowed('http://127.0.0.1:28789', '127.0.0.1:28789', allowed), true, 'a published port is same-origin');
  assert.equal(originAllowed('http://192.168.1.5:18789', '192.168.1.5:18789', allowed), true, 'LAN IP literal, same origin');
  assert.equal(originAllowed('http://rebind.evil:18789', 'rebind.evil:18789', allowed), false, 'DNS names are what rebinding forges');
  assert.equal(originAllowed('http://127.0.0.1:9999', '127.0.0.1:18789', allowed), false, 'another local port is another origin');
  assert.equal(originAllowed('null', '127.0.0.1:18789', allowed), false);
});

test('scope implication: admin covers operator scopes, write covers read', () => {
  assert.equal(hasScope(['operator.admin'], 'operator.read'), true);
  assert.equal(hasScope(['operator.write'], 'operator.read'), true);
  assert.equal(hasScope(['operator.read'], 'operator.write'), false);
  assert.equal(hasScope(['operator.write'], 'operator.admin'), false);
});

test('settings: port and secret precedence, refusal messages', () => {
  const s = resolveSettings({ port: '1234', token: 'flag' }, { gateway: { port: 9, auth: { token: 'cfg' } } }, { OPENCLAW_GATEWAY_PORT: '5', OPENCLAW_GATEWAY_TOKEN: 'env' }, false);
  assert.equal(s.settings.port, 1234);
  assert.equal(s.settings.auth.token, 'flag');
  const e = resolveSettings({}, { gateway: { port: 9, auth: { token: 'cfg' } } }, { OPENCLAW_GATEWAY_PORT: '5', OPENCLAW_GATEWAY_TOKEN: 'env' }, false);
  assert.equal(e.settings.port, 5);
  assert.equal(e.settings.auth.token, 'env');
  const c = resolveSettings({}, { gateway: { port: 9, auth: { token: { source: 'env', provider: 'default', id: 'MY_TOK' } } } }, { MY_TOK: 'ref' }, false);
  assert.equal(c.settings.port, 9);
  assert.equal(c.settings.auth.token, 'ref');
  assert.throws(() => resolveSettings({}, {}, { OPENCLAW_GATEWAY_PORT: 'x' }, false), /OPENCLAW_GATEWAY_PORT: invalid port 'x'/);
  assert.throws(() => resolveSettings({ bind: 'moon' }, {}, {}, false), /--bind: invalid mode 'moon'/);
  const pw = resolveSettings({}, {}, { OPENCLAW_GATEWAY_PASSWORD: 'pw' }, false);
  assert.equal(pw.settings.auth.mode, 'password', 'a password alone selects password mode');
  assert.equal(resolveSettings({}, {}, {}, false).needsToken, true);
  assert.deepEqual(resolveSettings({}, { gateway: { controlUi: { allowedOrigins: ['https://a.test'] } } }, {}, false).settings.allowedOrigins.slice(0, 2), ['https://a.test', 'http://127.0.0.1:18789']);
});
