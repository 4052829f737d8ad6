// The chat view in real Chromium against a real gateway and a fake model server: the user sends a
// message, the model asks for an `exec` tool call, the command runs (in a real sandbox container
// under docker; on the host when sandboxing is off), and the page shows the tool card with the
// command's output and then the final reply. Screenshots go to tests/artifacts/.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { artifactPath, chromiumSkip, launchChromium, withPage } from '../helpers/browser.js';
import { messages, transcriptFor } from '../helpers/chat.js';
import { engineRun, requireEngine } from '../helpers/engine.js';
import { openaiText, openaiToolCalls, startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';
import { startGateway, type GatewayProcess } from '../helpers/gateway.js';
import { cleanupByLabel, sandboxImage, stateDir, testAgentId } from '../helpers/sandbox.js';

const skip = chromiumSkip();
const PROBE = 'echo probe-$((6*7)); if touch /etc/openclaw-probe 2>/dev/null; then echo root-fs=writable; rm -f /etc/openclaw-probe; else echo root-fs=read-only; fi; pwd';

function providers(fake: FakeProvider) {
  return { providers: { fake: { baseUrl: fake.openaiBase, apiKey: 'sk-fake', api: 'openai-completions', models: [{ id: 'tool-model', name: 'Tool Model' }, { id: 'other', name: 'Other Model' }] } } };
}

describe('control ui: chat', { skip }, () => {
  let browser: Browser | undefined;
  let fake: FakeProvider;

  before(async () => {
    browser = await launchChromium();
    fake = await startFakeProvider();
  });
  after(async () => {
    await browser?.close();
    await fake?.close();
  });

  test('exec tool call runs in a real sandbox container; the page shows its output and the final reply', { timeout: 300_000 }, async (t) => {
    const engine = await requireEngine(t, 'docker');
    if (!engine) return;
    const image = await sandboxImage(engine);
    const agentId = testAgentId();
    cleanupByLabel(t, engine, agentId);
    const state = stateDir(t, engine);
    const gw: GatewayProcess = await startGateway({
      stateDir: state,
      config: {
        gateway: { mode: 'local' },
        models: providers(fake),
        agents: {
          defaults: { model: 'fake/tool-model', sandbox: { mode: 'all', backend: 'docker', scope: 'agent', workspaceAccess: 'none', docker: { image } } },
          list: [{ id: agentId, default: true }],
        },
      },
    });
    t.after(() => gw.stop());
    fake.requests.length = 0;
    fake.queue.push(openaiToolCalls([{ id: 'call_ui', name: 'exec', args: { command: PROBE } }], 4, 'Running it.'), openaiText(['The command ', 'printed probe-42.']));

    await withPage(browser!, 'chat-sandbox', async ({ page, errors }) => {
      await page.goto(`${gw.url}#token=${gw.token}`);
      await page.locator('#conn-state', { hasText: /^connected$/ }).waitFor();
      await page.getByLabel('Message').fill('run the probe');
      await page.getByRole('button', { name: 'Send' }).click();
      const card = page.locator('#chat-log details.tool[data-tool="exec"][data-done="true"]');
      await card.waitFor({ timeout: 120_000 }); // the first call creates the container
      const output = await card.locator('.tool-output').textContent();
      assert.match(String(output), /probe-42/);
      assert.match(String(output), /root-fs=read-only/, 'the command ran in the read-only sandbox, not on the host');
      assert.match(String(output), /^\/workspace$/m);
      const reply = page.locator('#chat-log .msg.assistant[data-final="true"]').last();
      await reply.waitFor();
      assert.equal(await reply.locator('.body').textContent(), 'The command printed probe-42.');
      await page.locator('#chat-sessions button', { hasText: 'run the probe' }).waitFor();
      await page.screenshot({ path: artifactPath('chat-sandbox-exec.png'), fullPage: true });
      assert.deepEqual(errors.filter((e) => /Content Security Policy|pageerror/.test(e)), []);
    });

    const ps = await engineRun(engine, ['ps', '-q', '--filter', `label=openclaw.agentId=${agentId}`], { timeoutMs: 30_000 });
    assert.ok(ps.stdout.trim(), 'a sandbox container exists for the agent');
    const m = messages(transcriptFor(state, `agent:${agentId}:main`, agentId));
    assert.deepEqual(m.map((x) => x.role), ['user', 'assistant', 'toolResult', 'assistant']);
    assert.match(JSON.stringify(m[2]!.content), /probe-42/);
  });

  test('with sandboxing off the command runs on the host; history reloads with the tool card; model picker', async (t) => {
    const gw = await startGateway({ config: { gateway: { mode: 'local' }, models: providers(fake), agents: { defaults: { model: 'fake/tool-model' } } } });
    t.after(() => gw.stop());
    fake.requests.length = 0;
    fake.queue.push(openaiToolCalls([{ id: 'call_host', name: 'exec', args: { command: 'echo host-$((6*7))' } }], 3), openaiText(['Host said 42.']));
    await withPage(browser!, 'chat-host', async ({ page }) => {
      await page.goto(`${gw.url}#token=${gw.token}`);
      await page.locator('#conn-state', { hasText: /^connected$/ }).waitFor();
      await page.locator('#chat-model option[value="fake/other"]').waitFor({ state: 'attached' });
      await page.selectOption('#chat-model', 'fake/other');
      await page.getByLabel('Message').fill('on the host');
      await page.keyboard.press('Enter');
      await page.locator('#chat-log details.tool[data-done="true"] .tool-output', { hasText: 'host-42' }).waitFor();
      await page.locator('#chat-log .msg.assistant[data-final="true"]', { hasText: 'Host said 42.' }).waitFor();
      assert.equal((fake.requests[0]!.body as { model: string }).model, 'other', 'the picked model was used');
      await page.reload();
      await page.locator('#conn-state', { hasText: /^connected$/ }).waitFor();
      await page.locator('#chat-log details.tool .tool-output', { hasText: 'host-42' }).waitFor();
      await page.locator('#chat-log .msg.assistant', { hasText: 'Host said 42.' }).waitFor();
      await page.screenshot({ path: artifactPath('chat-host-exec.png'), fullPage: true });
    });
  });
});
