// The Control UI in real Chromium against a real gateway: paste a token, connect,
// see health/status/config; wrong tokens fail visibly; the token never stays in the URL;
// reloads and gateway restarts reconnect by themselves.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { artifactPath, chromiumSkip, launchChromium, withPage } from '../helpers/browser.js';
import { startGateway, type GatewayProcess } from '../helpers/gateway.js';

const TOKEN_KEY = 'openclaw.gateway.token';
const API_KEY = 'sk-test-control-ui-must-stay-hidden';
const skip = chromiumSkip();

// The tsconfig has no DOM lib, so page code is passed as string expressions.
const storedToken = (page: Page) => page.evaluate(`localStorage.getItem(${JSON.stringify(TOKEN_KEY)})`);
const state = (page: Page) => page.locator('#conn-state');

async function waitConnected(page: Page, timeout?: number): Promise<void> {
  await page.locator('#conn-state', { hasText: /^connected$/ }).waitFor({ timeout });
  await page.locator('#health-panel dd[data-key="status"]', { hasText: 'live' }).waitFor();
}

async function pasteToken(page: Page, token: string): Promise<void> {
  await page.getByLabel('Gateway token').fill(token);
  await page.getByRole('button', { name: 'Connect' }).click();
}

function assertNoCspViolations(errors: string[]): void {
  const bad = errors.filter((e) => /Content Security Policy|pageerror/i.test(e));
  assert.deepEqual(bad, [], 'the page must run under the strict CSP without errors');
}

describe('control ui: token auth', { skip }, () => {
  const token = randomBytes(32).toString('hex');
  // env is a secret block: config.get must show it redacted.
  const config = { gateway: { mode: 'local' }, env: { ANTHROPIC_API_KEY: API_KEY } };
  const env = { OPENCLAW_TICK_INTERVAL_MS: '1000' };
  let browser: Browser | undefined;
  let gw: GatewayProcess | undefined;

  before(async () => {
    browser = await launchChromium();
    gw = await startGateway({ token, config, env });
  });

  after(async () => {
    await browser?.close();
    await gw?.stop();
  });

  test('a wrong token shows the mismatch error and never connects', async () => {
    await withPage(browser!, 'control-ui-wrong-token', async ({ page, errors }) => {
      await page.goto(gw!.url);
      await state(page).filter({ hasText: /^disconnected$/ }).waitFor();
      await pasteToken(page, 'f'.repeat(64));
      await page.locator('#conn-error', { hasText: /token mismatch/ }).waitFor();
      assert.equal(await state(page).textContent(), 'disconnected');
      assert.equal(await storedToken(page), null, 'a rejected token is not saved');
      assert.equal(await page.locator('#health-panel dd').count(), 0);
      await page.getByLabel('Gateway token').waitFor(); // the form stays, to fix the token
      assertNoCspViolations(errors);
    });
  });

  test('pasting the token connects and fills health, status and config', async () => {
    await withPage(browser!, 'control-ui-connect', async ({ page, errors }) => {
      await page.goto(gw!.url);
      await pasteToken(page, token);
      await waitConnected(page);
      await page.locator('#status-panel dd[data-key="pid"]', { hasText: String(gw!.proc.pid) }).waitFor();
      await page.locator('#session-panel dd[data-key="role"]', { hasText: 'operator' }).waitFor();
      await page.locator('#config-view', { hasText: '__OPENCLAW_REDACTED__' }).waitFor();
      const shown = JSON.parse((await page.locator('#config-view').textContent()) ?? '') as { gateway?: unknown };
      assert.deepEqual(shown.gateway, { mode: 'local' });
      assert.equal(await page.locator('#conn-error').isHidden(), true);

      // Every tick event refreshes health, so its timestamp moves on (ticks are 1 s here).
      // (page.waitForFunction would need eval, which the CSP forbids; locators do not.)
      const checked = page.locator('#health-panel dd[data-key="ts"]');
      await checked.filter({ hasNotText: (await checked.textContent()) ?? '' }).waitFor();
      await page.screenshot({ path: artifactPath('control-ui-connected.png'), fullPage: true });

      assert.ok(!page.url().includes(token), `token must not be in the URL: ${page.url()}`);
      const html = await page.content();
      assert.ok(!html.includes(token), 'token must not be in the DOM');
      assert.ok(!html.includes(API_KEY), 'config secrets must not reach the page');
      assert.equal(await storedToken(page), token);

      await page.reload();
      await waitConnected(page);
      assert.equal(await page.getByLabel('Gateway token').isVisible(), false);
      assertNoCspViolations(errors);
    });
  });

  test('a #token= link stores the token and drops it from the URL', async () => {
    await withPage(browser!, 'control-ui-fragment', async ({ page, errors }) => {
      await page.goto(`${gw!.url}#token=${token}`);
      await waitConnected(page);
      assert.equal(new URL(page.url()).hash, '');
      assert.ok(!page.url().includes(token));
      assert.equal(await storedToken(page), token);
      assertNoCspViolations(errors);
    });
  });

  test('forget token disconnects and clears storage; a pasted #token= link reconnects', async () => {
    await withPage(browser!, 'control-ui-forget', async ({ page, errors }) => {
      await page.goto(`${gw!.url}#token=${token}`);
      await waitConnected(page);
      await page.getByRole('button', { name: 'Forget token' }).click();
      await state(page).filter({ hasText: /^disconnected$/ }).waitFor();
      assert.equal(await storedToken(page), null);
      await page.getByLabel('Gateway token').waitFor();
      assert.equal(await page.locator('#health-panel dd').count(), 0);

      // A #token= link pasted into the open tab changes only the hash: no page load.
      await page.evaluate(`location.hash = ${JSON.stringify(`token=${token}`)}`);
      await waitConnected(page);
      assert.equal(new URL(page.url()).hash, '');
      assertNoCspViolations(errors);
    });
  });

  test('a gateway restart (close 1012) reconnects by itself', async () => {
    await withPage(browser!, 'control-ui-restart', async ({ page, errors }) => {
      await page.goto(`${gw!.url}#token=${token}`);
      await waitConnected(page);
      const { port, stateDir } = gw!;
      await gw!.stop();
      await page.locator('#conn-error', { hasText: 'gateway restarting' }).waitFor();
      assert.notEqual(await state(page).textContent(), 'connected');
      gw = await startGateway({ token, config, env, stateDir, args: ['--port', String(port)] });
      // Backoff is 1 s, 2 s, 4 s ...: the restarted gateway is found within a few tries.
      await waitConnected(page, 35_000);
      await page.locator('#status-panel dd[data-key="pid"]', { hasText: String(gw.proc.pid) }).waitFor();
      assertNoCspViolations(errors);
    });
  });
});

describe('control ui: password auth', { skip }, () => {
  const password = `pw-${randomBytes(12).toString('hex')}`;
  let browser: Browser | undefined;
  let gw: GatewayProcess | undefined;

  before(async () => {
    browser = await launchChromium();
    gw = await startGateway({ token: null, env: { OPENCLAW_GATEWAY_PASSWORD: password } });
  });

  after(async () => {
    await browser?.close();
    await gw?.stop();
  });

  test('the password toggle connects and keeps the password out of storage', async () => {
    await withPage(browser!, 'control-ui-password', async ({ page, errors }) => {
      await page.goto(gw!.url);
      await page.getByRole('radio', { name: 'Password' }).check();
      await page.getByLabel('Gateway password').fill(password);
      await page.getByRole('button', { name: 'Connect' }).click();
      await waitConnected(page);
      await page.locator('#session-panel dd[data-key="authMode"]', { hasText: 'password' }).waitFor();
      const stored = await page.evaluate('JSON.stringify([localStorage, sessionStorage])');
      assert.ok(!String(stored).includes(password), 'the password is kept in memory only');
      assert.ok(!(await page.content()).includes(password));
      assertNoCspViolations(errors);
    });
  });
});
