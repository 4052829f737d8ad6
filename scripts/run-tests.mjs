#!/usr/bin/env node
// Summary: Build, then run every test suite (node:test, then bats) and print one closing count line
// Usage: node scripts/run-tests.mjs [<filter>...]      (npm test -- <filter>...)
//
// Builds first (tsc + scripts/build-ui.mjs) so dist/ is never stale, then runs node:test over
// dist/tests/**/*.test.js with the spec reporter and bats over tests/**/*.bats (TAP). A filter is a
// substring of a test file path (dist/tests/e2e/image.test.js, tests/e2e/image.test.ts or
// tests/e2e/x.bats all match "e2e/image"). The last line is exactly `N passed, N failed`; exit 1 if
// anything failed, a runner crashed, or no test matched.
//
// Environment:
//   OPENCLAW_TEST_SUITES        unit | e2e | all (default all); e2e = files under tests/e2e/
//   OPENCLAW_TEST_SKIP_BUILD=1  use dist/ as it is
//   OPENCLAW_TEST_DIR           tests dir to scan instead of tests/ (runner self-test; its .test.js
//                               files are run from there, with no build)
//   OPENCLAW_TEST_SUMMARY_FILE  also write the closing line to this file (used by .ci/run)
//   OPENCLAW_TEST_TIMEOUT_S     per-runner deadline in seconds (default 4800)
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const filters = process.argv.slice(2).filter((a) => a !== '--');
const suites = process.env.OPENCLAW_TEST_SUITES || 'all';
const customDir = process.env.OPENCLAW_TEST_DIR;
const timeoutS = Number(process.env.OPENCLAW_TEST_TIMEOUT_S || 4800);

function die(what, why, next) {
  console.error(`openclaw: test: ${what}: ${why} (${next})`);
  console.log('0 passed, 1 failed');
  if (process.env.OPENCLAW_TEST_SUMMARY_FILE) writeFileSync(process.env.OPENCLAW_TEST_SUMMARY_FILE, '0 passed, 1 failed\n');
  process.exit(1);
}

if (!['unit', 'e2e', 'all'].includes(suites)) {
  die('OPENCLAW_TEST_SUITES', `unknown value '${suites}'`, 'use unit, e2e or all');
}

/** Run argv with inherited stdin=ignore; tee output to ours; resolve {code, signal, output}. */
function runTee(argv, env = process.env) {
  return new Promise((resolve) => {
    const [cmd, ...args] = argv;
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (stream) => (buf) => {
      stream.write(buf);
      output += buf.toString('utf8');
      if (output.length > 32 * 1024 * 1024) output = output.slice(-16 * 1024 * 1024);
    };
    child.stdout.on('data', onData(process.stdout));
    child.stderr.on('data', onData(process.stderr));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      console.error(`openclaw: test: ${argv[0]} still running after ${timeoutS} s: killing it (raise OPENCLAW_TEST_TIMEOUT_S)`);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }, timeoutS * 1000);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: 127, signal: null, output: `${output}\n${err.message}`, timedOut });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output, timedOut });
    });
  });
}

function walk(dir, match) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => {
      const p = join(dir, e.name);
      if (e.isDirectory()) return e.name === 'node_modules' ? [] : walk(p, match);
      return e.isFile() && match(e.name) ? [p] : [];
    });
}

const isE2e = (rel) => rel.split(sep).includes('e2e');
function selected(file, aliases) {
  const names = [relative(root, file), ...aliases];
  if (suites === 'unit' && names.some(isE2e)) return false;
  if (suites === 'e2e' && !names.some(isE2e)) return false;
  return filters.length === 0 || filters.some((f) => names.some((n) => n.includes(f)));
}

// ---- 1. build
const t0 = performance.now();
if (!customDir && process.env.OPENCLAW_TEST_SKIP_BUILD !== '1') {
  console.log('==> build: tsc + build-ui');
  // Stale compiled tests (a renamed or deleted .test.ts) would otherwise keep running.
  rmSync(join(root, 'dist', 'tests'), { recursive: true, force: true });
  const tsc = await runTee([process.execPath, join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
  if (tsc.code !== 0) die('build', `tsc exit ${tsc.code}`, 'fix the type errors above, or run: npx tsc -p tsconfig.json');
  if (existsSync(join(root, 'scripts', 'build-ui.mjs'))) {
    const ui = await runTee([process.execPath, join(root, 'scripts', 'build-ui.mjs')]);
    if (ui.code !== 0) die('build', `build-ui exit ${ui.code}`, 'see the output above, or run: node scripts/build-ui.mjs');
  }
}

// ---- 2. collect
const testsDir = customDir ? customDir : join(root, 'tests');
const jsDir = customDir ? customDir : join(root, 'dist', 'tests');
const nodeFiles = walk(jsDir, (n) => n.endsWith('.test.js')).filter((f) => {
  const src = relative(root, f).replace(/^dist[\\/]/, '').replace(/\.js$/, '.ts');
  return selected(f, [src]);
});
const batsFiles = walk(testsDir, (n) => n.endsWith('.bats')).filter((f) => selected(f, []));
if (nodeFiles.length + batsFiles.length === 0) {
  die('no test files', `nothing matched suites=${suites} filters=[${filters.join(', ')}]`, 'check the filter, or run: npm test');
}

const results = [];

// ---- 3. node:test
if (nodeFiles.length > 0) {
  console.log(`==> node:test: ${nodeFiles.length} file(s)`);
  // A runner started from inside a node:test file inherits NODE_TEST_CONTEXT and would then talk
  // the parent's wire protocol instead of printing a report: drop it.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const r = await runTee([process.execPath, '--test', '--test-reporter=spec', ...nodeFiles], env);
  const count = (label) => {
    const all = [...r.output.matchAll(new RegExp(`^\\S*\\s*ℹ ${label} (\\d+)\\s*$`, 'gmu'))];
    const last = all.at(-1);
    return last ? Number(last[1]) : undefined;
  };
  const pass = count('pass');
  const fail = count('fail');
  const cancelled = count('cancelled') ?? 0;
  const skipped = (count('skipped') ?? 0) + (count('todo') ?? 0);
  let failed = (fail ?? 0) + cancelled;
  let crashed = '';
  if (pass === undefined || fail === undefined) crashed = 'no summary printed';
  else if (r.code !== 0 && failed === 0) crashed = `exit ${r.code ?? r.signal} with no failed test`;
  if (r.timedOut) crashed = `killed after ${timeoutS} s`;
  if (crashed) failed += 1;
  results.push({ suite: 'node:test', files: nodeFiles.length, passed: pass ?? 0, failed, skipped, crashed });
}

// ---- 4. bats
if (batsFiles.length > 0) {
  const bats = join(root, 'node_modules', 'bats', 'bin', 'bats');
  console.log(`==> bats: ${batsFiles.length} file(s)`);
  if (!existsSync(bats)) {
    results.push({ suite: 'bats', files: batsFiles.length, passed: 0, failed: 1, skipped: 0, crashed: `${relative(root, bats)} missing (run: npm ci)` });
  } else {
    const env = { ...process.env, BATS_LIB_PATH: join(root, 'node_modules') };
    const r = await runTee([bats, '--tap', ...batsFiles], env);
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    let planned;
    for (const line of r.output.split('\n')) {
      const plan = /^1\.\.(\d+)\s*$/.exec(line);
      if (plan) planned = Number(plan[1]);
      if (/^not ok \d+/.test(line)) failed++;
      else if (/^ok \d+.*# skip\b/i.test(line)) skipped++;
      else if (/^ok \d+/.test(line)) passed++;
    }
    let crashed = '';
    if (planned === undefined) crashed = 'no TAP plan printed';
    else if (passed + failed + skipped < planned) crashed = `${planned - passed - failed - skipped} planned test(s) never reported`;
    else if (r.code !== 0 && failed === 0) crashed = `exit ${r.code ?? r.signal} with no failed test`;
    if (r.timedOut) crashed = `killed after ${timeoutS} s`;
    if (crashed) failed += 1;
    results.push({ suite: 'bats', files: batsFiles.length, passed, failed, skipped, crashed });
  }
}

// ---- 5. summary
console.log('');
for (const s of results) {
  const extra = s.crashed ? ` (runner crashed: ${s.crashed}; counted as 1 failure)` : '';
  console.log(`==> ${s.suite} (${s.files} files): ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped${extra}`);
}
const passed = results.reduce((n, s) => n + s.passed, 0);
const failed = results.reduce((n, s) => n + s.failed, 0);
const skipped = results.reduce((n, s) => n + s.skipped, 0);
console.log(`==> total: ${skipped} skipped, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const line = `${passed} passed, ${failed} failed`;
if (process.env.OPENCLAW_TEST_SUMMARY_FILE) writeFileSync(process.env.OPENCLAW_TEST_SUMMARY_FILE, `${line}\n`);
console.log(line);
process.exit(failed > 0 ? 1 : 0);
