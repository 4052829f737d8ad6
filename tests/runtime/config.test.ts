import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig, parseConfigText } from '../../runtime/config/load.js';
import { locateKeys } from '../../runtime/config/locate.js';
import { parseKeyPath, setAt, unsetAt } from '../../runtime/config/keypath.js';
import { applyEdits, redactConfig, REDACTED, writeConfig } from '../../runtime/config/store.js';
import { makeStateDir } from '../helpers/gateway.js';

const FILE = '/etc/openclaw/openclaw.json';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
    assert.equal(err.exitCode, 78);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

test('JSON5 with comments and trailing commas loads', () => {
  const loaded = parseConfigText(FILE, `// mine\n{ gateway: { mode: 'local', port: 18790, }, }\n`, {});
  assert.equal(loaded.config.gateway?.mode, 'local');
  assert.equal(loaded.config.gateway?.port, 18790);
  assert.match(loaded.hash, /^[0-9a-f]{64}$/);
});

test('a syntax error names file, line and column', () => {
  const [p] = problems(() => parseConfigText(FILE, '{\n  gateway: {\n    mode: "local",,\n  }\n}', {}));
  assert.match(p!, /^\/etc\/openclaw\/openclaw\.json:3:19: invalid character ','/);
});

test('an unknown key names file, line:col and key path, with a suggestion', () => {
  const [p] = problems(() => parseConfigText(FILE, '{\n  gateway: {\n    mode: "local",\n    bnd: "lan"\n  }\n}', {}));
  assert.equal(p, `${FILE}:4:5: gateway.bnd: unknown key (did you mean 'bind'?)`);
});

test('a wrong type names the key path and both types', () => {
  const list = problems(() => parseConfigText(FILE, '{ gateway: { port: "18789", bind: "everywhere" } }', {}));
  assert.deepEqual(list, [
    `${FILE}:1:14: gateway.port: expected integer, got string`,
    `${FILE}:1:29: gateway.bind: expected one of "loopback" | "lan" | "auto" | "custom" | "tailnet", got "everywhere"`,
  ]);
});

test('array elements and nested objects are located', () => {
  const positions = locateKeys('{\n a: [1,\n  {b: 2}],\n "c d": {e: \'x\'}\n}');
  assert.deepEqual(positions.get(JSON.stringify(['a', 1, 'b'])), { line: 3, col: 4 });
  assert.deepEqual(positions.get(JSON.stringify(['c d', 'e'])), { line: 4, col: 10 });
  const [p] = problems(() => parseConfigText(FILE, '{\n gateway: { controlUi: { allowedOrigins: ["http://a", 5] } }\n}', {}));
  assert.equal(p, `${FILE}:2:55: gateway.controlUi.allowedOrigins[1]: expected string, got number`);
});

test('${ENV} is substituted; $${ENV} stays literal; a missing variable is an error naming the key', () => {
  const text = '{ gateway: { mode: "local", auth: { token: "${MY_TOKEN}" }, controlUi: { basePath: "$${KEEP}" } } }';
  const loaded = parseConfigText(FILE, text, { MY_TOKEN: 'abc123' });
  assert.equal(loaded.config.gateway?.auth?.token, 'abc123');
  assert.equal(loaded.config.gateway?.controlUi?.basePath, '${KEEP}');
  assert.equal((loaded.raw.gateway as { auth: { token: string } }).auth.token, '${MY_TOKEN}', 'raw keeps the reference for editing');
  const [p] = problems(() => parseConfigText(FILE, text, {}));
  assert.equal(p, `${FILE}:1:37: gateway.auth.token: environment variable MY_TOKEN is not set (referenced as \${MY_TOKEN})`);
});

test('upstream sections we do not act on are accepted as-is; the top level must be an object', () => {
  const loaded = parseConfigText(FILE, '{ channels: { telegram: { enabled: true } }, agents: { defaults: {} } }', {});
  assert.deepEqual(loaded.raw.channels, { telegram: { enabled: true } });
  assert.deepEqual(problems(() => parseConfigText(FILE, '[1]', {})), [`${FILE}:1:1: the top level must be an object ({ ... })`]);
});

test('a missing file is not an error: defaults apply', async () => {
  const dir = makeStateDir();
  const loaded = await loadConfig(path.join(dir, 'openclaw.json'), {});
  assert.equal(loaded.exists, false);
  assert.deepEqual(loaded.config, {});
});

test('key paths parse dots, indexes and quoted keys, and refuse prototype keys', () => {
  assert.deepEqual(parseKeyPath('gateway.controlUi.allowedOrigins[0]'), ['gateway', 'controlUi', 'allowedOrigins', 0]);
  assert.deepEqual(parseKeyPath('env["MY-KEY"].x'), ['env', 'MY-KEY', 'x']);
  assert.throws(() => parseKeyPath('a..b'), /invalid key path 'a\.\.b'/);
  assert.throws(() => parseKeyPath('__proto__.polluted'), /'__proto__' is not allowed/);
  assert.throws(() => parseKeyPath('gateway.'), /trailing dot/);
});

test('setAt creates parents without mutating the input; unsetAt reports what it removed', () => {
  const root = { a: { b: 1 } };
  const next = setAt(root, ['x', 'list', 0], 'v');
  assert.deepEqual(next, { a: { b: 1 }, x: { list: ['v'] } });
  assert.deepEqual(root, { a: { b: 1 } });
  assert.equal(unsetAt(next, ['a', 'b']).removed, true);
  assert.equal(unsetAt(next, ['a', 'nope']).removed, false);
});

test('writes are atomic, 0600, in a 0700 dir, with a .bak of the previous file', async () => {
  const dir = path.join(makeStateDir(), 'state');
  const file = path.join(dir, 'openclaw.json');
  await writeConfig(file, { gateway: { mode: 'local' } }, { env: {} });
  assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.equal(fs.existsSync(`${file}.bak`), false);
  await writeConfig(file, applyEdits({ gateway: { mode: 'local' } }, [{ path: ['gateway', 'port'], value: 19000 }]), { env: {} });
  assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), { gateway: { mode: 'local', port: 19000 } });
  assert.deepEqual(JSON.parse(fs.readFileSync(`${file}.bak`, 'utf8')), { gateway: { mode: 'local' } });
  assert.equal(fs.statSync(`${file}.bak`).mode & 0o777, 0o600);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['openclaw.json', 'openclaw.json.bak'], 'no temp files left behind');
});

test('an invalid edit is refused before anything is written', async () => {
  const dir = makeStateDir();
  const file = path.join(dir, 'openclaw.json');
  fs.writeFileSync(file, '{ gateway: { mode: "local" } }', { mode: 0o600 });
  await assert.rejects(writeConfig(file, { gateway: { mode: 'local', port: 'x' } }, { env: {} }), (err: ConfigError) => {
    assert.match(err.problems[0]!, /gateway\.port: expected integer, got string/);
    assert.equal(err.hint, 'nothing was written');
    return true;
  });
  assert.equal(fs.readFileSync(file, 'utf8'), '{ gateway: { mode: "local" } }');
  assert.equal(fs.existsSync(`${file}.bak`), false);
});

test('dry run validates but writes nothing', async () => {
  const dir = makeStateDir();
  const file = path.join(dir, 'openclaw.json');
  const result = await writeConfig(file, { gateway: { mode: 'local' } }, { dryRun: true, env: {} });
  assert.equal(result.written, false);
  assert.equal(fs.existsSync(file), false);
});

test('redaction hides secrets, keeps ${VAR} references and SecretRefs', () => {
  const raw = {
    gateway: {
      auth: { token: 'abcdef0123', password: '${OPENCLAW_GATEWAY_PASSWORD}' },
      remote: { token: { source: 'env', provider: 'default', id: 'REMOTE_TOKEN' } },
      port: 18789,
    },
    env: { OPENAI_API_KEY: 'sk-live', vars: { OTHER: 'x' } },
    channels: { telegram: { botToken: 'bot:123', enabled: true } },
  };
  assert.deepEqual(redactConfig(raw), {
    gateway: {
      auth: { token: REDACTED, password: '${OPENCLAW_GATEWAY_PASSWORD}' },
      remote: { token: { source: 'env', provider: 'default', id: 'REMOTE_TOKEN' } },
      port: 18789,
    },
    env: { OPENAI_API_KEY: REDACTED, vars: { OTHER: REDACTED } },
    channels: { telegram: { botToken: REDACTED, enabled: true } },
  });
});
