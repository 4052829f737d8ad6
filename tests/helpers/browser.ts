// Real Debian Chromium for UI tests, driven by playwright-core (no bundled browsers).
// CI (CI=true) must have /usr/bin/chromium; elsewhere a missing browser skips the test.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env['OPENCLAW_CHROMIUM'] || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const missing = () => `chromium not found at ${CHROMIUM}`;

/**
 * A reason to skip browser tests, or false when they must run. Pass it as
 * `{ skip }` to describe/test. In CI a missing browser is not a skip: the
 * test runs and launchChromium() fails it.
 */
export function chromiumSkip(): string | false {
  if (existsSync(CHROMIUM) || process.env['CI'] === 'true') return false;
  const reason = `${missing()}; try: apt-get install -y chromium`;
  process.stderr.write(`# skip: ${reason}\n`);
  return reason;
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${missing()} (CI=true requires it); try: apt-get install -y chromium`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
}

export interface TestPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and console errors, CSP violations included. */
  errors: string[];
}

/** A fresh context (own localStorage) with a default wait deadline. */
export async function openPage(browser: Browser, timeoutMs = 15_000): Promise<TestPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'light' });
  context.setDefaultTimeout(timeoutMs);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  return { context, page, errors };
}

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'openclaw-kit') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('openclaw-kit package.json not found above tests/helpers');
    dir = up;
  }
}

/** Absolute path for a test artifact under tests/artifacts/ (created on demand, git-ignored). */
export function artifactPath(name: string): string {
  const dir = join(findRoot(), 'tests', 'artifacts');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

/** Run fn with a fresh page; on failure save a screenshot next to the other artifacts. */
export async function withPage(
  browser: Browser,
  name: string,
  fn: (t: TestPage) => Promise<void>,
): Promise<void> {
  const t = await openPage(browser);
  try {
    await fn(t);
  } catch (err) {
    await t.page.screenshot({ path: artifactPath(`${name}-failure.png`), fullPage: true }).catch(() => {});
    if (t.errors.length && err instanceof Error) err.message += `\npage errors:\n  ${t.errors.join('\n  ')}`;
    throw err;
  } finally {
    await t.context.close().catch(() => {});
  }
}
