// `openclaw agent` end to end: a real gateway, the fake model server, the CLI as a child process.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { messages, transcriptFor } from '../helpers/chat.js';
import { openaiText, openaiToolCalls, startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';
import { runCli, startGateway, type GatewayProcess } from '../helpers/gateway.js';

describe('openclaw agent', () => {
  let fake: FakeProvider;
  let gw: GatewayProcess;
  before(async () => {
    fake = await startFakeProvider();
    gw = await startGateway({
      config: {
        gateway: { mode: 'local' },
        models: { providers: { fake: { baseUrl: fake.openaiBase, apiKey: 'sk-fake', api: 'openai-completions' } } },
        agents: { list: [{ id: 'main', default: true, model: 'fake/a' }, { id: 'ops', model: 'fake/b' }] },
      },
    });
  });
  after(async () => {
    await gw?.stop();
    await fake?.close();
  });

  test('streams the reply to stdout and tool calls to stderr', async () => {
    fake.queue.push(openaiToolCalls([{ id: 'c1', name: 'exec', args: { command: 'echo cli-tool' } }]), openaiText(['Hello ', 'from ops.']));
    const r = await runCli(['agent', '--agent', 'ops', '--message', 'hi there', '--url', gw.wsUrl], gw.env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Hello from ops.\n');
    assert.match(r.stderr, /\[tool exec\] \{"command":"echo cli-tool"\}/);
    assert.match(r.stderr, /\[tool exec done\] cli-tool/);
    assert.deepEqual(messages(transcriptFor(gw.stateDir, 'agent:ops:main', 'ops')).map((m) => m.role), ['user', 'assistant', 'toolResult', 'assistant']);
  });

  test('--json prints the result; --session picks the session; a failed run exits 1', async () => {
    fake.queue.push(openaiText(['json reply']));
    const r = await runCli(['agent', '--message', 'x', '--session', 'cli-test', '--json', '--url', gw.wsUrl], gw.env);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { state: string; text: string; sessionKey: string };
    assert.deepEqual([out.state, out.text, out.sessionKey], ['final', 'json reply', 'agent:main:cli-test']);

    fake.queue.push({ kind: 'status', status: 401, body: { error: { message: 'bad key' } } });
    const bad = await runCli(['agent', '--message', 'x', '--url', gw.wsUrl], gw.env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /run error: .*HTTP 401: bad key/);

    const usage = await runCli(['agent', '--url', gw.wsUrl], gw.env);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--message is required/);
  });
});
