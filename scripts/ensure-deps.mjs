#!/usr/bin/env node
// Summary: Install dependencies and build when a checkout needs it, so `npm start` works on a fresh clone
// Usage: node scripts/ensure-deps.mjs   (run by npm's prestart and pretest)
//
// Runs `npm ci` when node_modules is missing or older than package-lock.json (that also builds, via
// the prepare script), else `npm run build` when dist/ is missing, else `npm run bundle` when a
// TypeScript source under runtime/ or lib/ is newer than dist/runtime/openclaw.cjs: bin/openclaw
// runs that bundle, and the test runner's own build (tsc) does not remake it. Does nothing
// otherwise, so a second start costs a few stat calls.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mtime = (p) => (existsSync(join(root, p)) ? statSync(join(root, p)).mtimeMs : 0);
const BUNDLE = 'dist/runtime/openclaw.cjs';

function run(args, why) {
  process.stderr.write(`==> ${why}: npm ${args.join(' ')}\n`);
  const r = spawnSync('npm', args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`openclaw: setup: npm ${args.join(' ')} failed with exit ${r.status} (fix the error above, then run npm start again)\n`);
    process.exit(r.status || 1);
  }
}

/** Newest mtime of the .ts files the bundle is made from. */
function newestSource() {
  let newest = mtime('package.json');
  for (const dir of ['runtime', 'lib']) {
    for (const file of readdirSync(join(root, dir), { recursive: true })) {
      if (file.endsWith('.ts')) newest = Math.max(newest, statSync(join(root, dir, file)).mtimeMs);
    }
  }
  return newest;
}

const installed = mtime('node_modules/.package-lock.json');
if (installed === 0 || installed < mtime('package-lock.json')) run(['ci', '--no-audit', '--no-fund'], 'installing dependencies');
else if (!existsSync(join(root, 'dist/runtime/cli/main.js')) || !existsSync(join(root, 'dist/ui/index.html')) || !existsSync(join(root, BUNDLE))) run(['run', 'build'], 'building');
else if (mtime(BUNDLE) < newestSource()) run(['run', '--silent', 'bundle'], `bundling: sources are newer than ${BUNDLE}`);
