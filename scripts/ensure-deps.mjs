#!/usr/bin/env node
// Summary: Install dependencies and build when a checkout needs it, so `npm start` works on a fresh clone
// Usage: node scripts/ensure-deps.mjs   (run by npm's prestart)
//
// Runs `npm ci` when node_modules is missing or older than package-lock.json (that also builds, via
// the prepare script), else `npm run build` when dist/ is missing. Does nothing otherwise, so a
// second start costs a couple of stat calls.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mtime = (p) => (existsSync(join(root, p)) ? statSync(join(root, p)).mtimeMs : 0);

function run(args, why) {
  process.stderr.write(`==> ${why}: npm ${args.join(' ')}\n`);
  const r = spawnSync('npm', args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`openclaw: setup: npm ${args.join(' ')} failed with exit ${r.status} (fix the error above, then run npm start again)\n`);
    process.exit(r.status || 1);
  }
}

const installed = mtime('node_modules/.package-lock.json');
if (installed === 0 || installed < mtime('package-lock.json')) run(['ci', '--no-audit', '--no-fund'], 'installing dependencies');
else if (!existsSync(join(root, 'dist/runtime/cli/main.js')) || !existsSync(join(root, 'dist/ui/index.html'))) run(['run', 'build'], 'building');
