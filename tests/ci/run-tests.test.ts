// scripts/run-tests.mjs against fixture suites: the closing line counts both runners, a failing
// test fails the run (the CI failsafe), and a crashed runner is never a pass.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function fixture(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'openclaw-runner-'));
  chmodSync(dir, 0o755);
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  return dir;
}

function runner(dir: string, args: string[] = [], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'run-tests.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, OPENCLAW_TEST_DIR: dir, OPENCLAW_TEST_SUITES: 'all', ...env },
  });
  const lines = r.stdout.trimEnd().split('\n');
  return { code: r.status, last: lines.at(-1), stdout: r.stdout, stderr: r.stderr };
}

const PASS = `const { test } = require('node:test');\ntest('a', () => {});\ntest('b', () => {});\n`;
const FAIL = `const { test } = require('node:test');\ntest('c', () => {});\ntest('d', () => { throw new Error('boom'); });\n`;
const BATS = `@test "ok one" { true; }\n@test "broken" { false; }\n@test "later" { skip "not today"; }\n`;

test('counts node:test and bats together and fails the run on any failure', (t) => {
  const dir = fixture({ 'pass.test.js': PASS, 'fail.test.js': FAIL, 'x.bats': BATS });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = runner(dir);
  assert.equal(r.last, '4 passed, 2 failed', r.stdout);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /==> node:test \(2 files\): 3 passed, 1 failed, 0 skipped/);
  assert.match(r.stdout, /==> bats \(1 files\): 1 passed, 1 failed, 1 skipped/);
});

test('a filter selects files by path substring; all passing exits 0', (t) => {
  const dir = fixture({ 'pass.test.js': PASS, 'fail.test.js': FAIL, 'x.bats': BATS });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = runner(dir, ['--', 'pass.test']);
  assert.equal(r.last, '2 passed, 0 failed', r.stdout);
  assert.equal(r.code, 0);
});

test('a runner that dies without a summary counts as a failure', (t) => {
  const dir = fixture({ 'crash.test.js': `process.kill(process.ppid, 'SIGKILL');\n` });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = runner(dir);
  assert.equal(r.last, '0 passed, 1 failed', r.stdout);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /runner crashed/);
});

test('no matching file is an error, not a silent pass', (t) => {
  const dir = fixture({ 'pass.test.js': PASS });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = runner(dir, ['no-such-file']);
  assert.equal(r.last, '0 passed, 1 failed');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^openclaw: test: no test files: nothing matched suites=all filters=\[no-such-file\] \(/m);
});

test('OPENCLAW_TEST_SUITES=unit leaves out tests/e2e and a bad value is refused', (t) => {
  const dir = fixture({ 'pass.test.js': PASS });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bad = runner(dir, [], { OPENCLAW_TEST_SUITES: 'smoke' });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /OPENCLAW_TEST_SUITES: unknown value 'smoke' \(use unit, e2e or all\)/);
  const e2e = runner(dir, [], { OPENCLAW_TEST_SUITES: 'e2e' });
  assert.equal(e2e.code, 1, 'pass.test.js is not under e2e/, so nothing matches');
  const unit = runner(dir, [], { OPENCLAW_TEST_SUITES: 'unit' });
  assert.equal(unit.last, '2 passed, 0 failed');
});
