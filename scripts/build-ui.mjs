#!/usr/bin/env node
// Summary: Copy the Control UI into dist/ui with precompressed .gz and .br siblings
// Usage: node scripts/build-ui.mjs
//
// Run by `npm run build` after tsc. dist/ui is recreated from runtime/ui on every
// run. Text assets get .gz and .br siblings (when smaller) so sirv can serve them
// with `gzip: true, brotli: true`. Output bytes and mtimes follow the sources, so
// two builds of the same tree are identical and ETags stay stable.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'runtime', 'ui');
const out = join(root, 'dist', 'ui');
const TEXT = new Set(['.html', '.css', '.js', '.mjs', '.json', '.svg', '.txt', '.map', '.webmanifest', '.xml']);

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith('.'))
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
}

function write(file, data, mtime) {
  writeFileSync(file, data);
  utimesSync(file, mtime, mtime);
}

try {
  statSync(src);
} catch {
  console.error(`openclaw: build-ui: source directory missing: ${relative(root, src)}`);
  process.exit(1);
}

const t0 = performance.now();
rmSync(out, { recursive: true, force: true });
let files = 0;
let bytes = 0;
for (const file of walk(src)) {
  const dest = join(out, relative(src, file));
  const { mtime } = statSync(file);
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(file, dest);
  utimesSync(dest, mtime, mtime);
  files++;
  if (!TEXT.has(extname(file).toLowerCase())) continue;
  const data = readFileSync(file);
  bytes += data.length;
  const gz = gzipSync(data, { level: 9 });
  const br = brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
  // sirv prefers a sibling whenever it exists, so only write ones that help.
  if (gz.length < data.length) write(`${dest}.gz`, gz, mtime);
  if (br.length < data.length) write(`${dest}.br`, br, mtime);
}
const ms = (performance.now() - t0).toFixed(0);
console.error(`==> build-ui: ${files} files (${(bytes / 1024).toFixed(1)} KiB text) -> ${relative(root, out)} in ${ms} ms`);
