// The agent runtime against a local provider server speaking the real OpenAI and Anthropic
// streaming formats, through a real gateway process: tool-call deltas split across chunks, 429
// with retry-after, a 500 then fallback, a dropped stream, abort. Each test checks the transcript
// the gateway wrote to disk, not only what it streamed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GatewayClient } from '../../runtime/client/client.js';
import { chat, events, messages, transcriptFor, type ChatEvent } from '../helpers/chat.js';
import { anthropicText, anthropicToolUse, openaiText, openaiToolCalls, startFakeProvider, type FakeProvider } from '../helpers/fake-provider.js';
import { makeStateDir, startGateway, type GatewayProcess } from '../helpers/gateway.js';

describe('agent runtime with real wire formats', () => {
  let fake: FakeProvider;
  let gw: GatewayProcess;
  let client: GatewayClient;
  let workspace: string;

  before(async () => {
    fake = await startFakeProvider();
    const stateDir = makeStateDir('openclaw-agent-');
    workspace = path.join(stateDir, 'workspace');
    fs.mkdirSync(workspace, { recursive: true });
    fs.writeFileSync(path.join(workspace, 'AGENTS.md'), 'Always answer like a pirate.\n');
    gw = await startGateway({
      stateDir,
      env: { OPENCLAW_MODEL_RETRY_BASE_MS: '20', OPENCLAW_MODEL_MAX_RETRIES: '2' },
      config: {
        gateway: { mode: 'local' },
        models: {
          providers: {
            fakeoa: { baseUrl: fake.openaiBase, apiKey: 'sk-fake-openai', api: 'openai-completions', models: [{ id: 'gpt-fake', name: 'GPT Fake' }] },
            fakean: { baseUrl: fake.anthropicBase, apiKey: 'sk-fake-anthropic', api: 'anthropic-messages', models: [{ id: 'claude-fake', name: 'Claude Fake' }] },
          },
        },
        agents: { defaults: { workspace, model: { primary: 'fakeoa/gpt-fake', fallbacks: ['fakean/claude-fake'] } } },
      },
    });
    client = await GatewayClient.connect({ url: gw.wsUrl, token: gw.token });
  });

  after(async () => {
    await client?.close();
    await gw?.stop();
    await fake?.close();
  });

  test('openai: a tool call split across chunks runs exec, its result goes back, the reply streams in', async () => {
    fake.requests.length = 0;
    fake.queue.push(openaiToolCalls([{ id: 'call_1', name: 'exec', args: { command: 'echo from-the-tool; echo to-stderr >&2' } }], 5, 'Let me check.'), openaiText(['Ahoy', ', the tool', ' said hi.']));
    const out = await chat(client, { sessionKey: 'main', message: 'run the tool', idempotencyKey: 'k-openai-1' });
    assert.equal(out.state, 'final', JSON.stringify(out.final));
    assert.equal(out.text, 'Ahoy, the tool said hi.');
    const deltas = out.events.filter((e) => e.event === 'chat' && e.payload.state === 'delta').map((e) => e.payload.delta).join('');
    assert.equal(deltas, 'Let me check.Ahoy, the tool said hi.', 'every token is streamed as a delta');
    // Each model turn's first delta carries the text so far as `message` (upstream clients render
    // that); later ones may leave it out (it rides along at most every 150 ms), and when present it
    // is the turn's text up to and including that delta.
    let turnText = '';
    for (const e of out.events) {
      if (e.event === 'agent' && e.payload.stream === 'tool') turnText = '';
      if (e.event !== 'chat' || e.payload.state !== 'delta') continue;
      const first = turnText === '';
      turnText += String(e.payload.delta);
      const m = e.payload.message as { content: Array<{ text: string }> } | undefined;
      if (first) assert.ok(m, 'the first delta of a turn carries the message');
      if (m) assert.equal(m.content[0]!.text, turnText);
    }
    const seqs = out.events.map((e) => e.payload.seq as number);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'payload seq increases within the run');
    const toolEvents = out.events.filter((e) => e.event === 'agent' && e.payload.stream === 'tool');
    assert.deepEqual(toolEvents.map((e) => (e.payload.data as { phase: string }).phase), ['start', 'result']);
    assert.deepEqual((toolEvents[0]!.payload.data as { args: unknown }).args, { command: 'echo from-the-tool; echo to-stderr >&2' }, 'arguments reassembled from fragments');

    // The second model request carries the tool result and the workspace file in the system prompt.
    assert.equal(fake.requests.length, 2);
    const first = fake.requests[0]!.body as { messages: Array<{ role: string; content: string }>; tools: Array<{ function: { name: string } }>; stream: boolean };
    assert.equal(first.stream, true);
    assert.match(first.messages[0]!.content, /Always answer like a pirate/);
    assert.ok(first.tools.some((t) => t.function.name === 'exec'));
    assert.equal(fake.requests[0]!.headers.authorization, 'Bearer sk-fake-openai');
    const second = fake.requests[1]!.body as { messages: Array<{ role: string; content: string | null; tool_call_id?: string; tool_calls?: unknown[] }> };
    const toolMsg = second.messages.find((m) => m.role === 'tool');
    assert.equal(toolMsg?.tool_call_id, 'call_1');
    assert.match(String(toolMsg?.content), /from-the-tool/);
    assert.match(String(toolMsg?.content), /to-stderr/);

    // On disk: user, assistant (text + toolCall), toolResult, final assistant; every line fsynced JSON.
    const t = transcriptFor(gw.stateDir, 'agent:main:main');
    assert.equal(t.records[0]!.type, 'session');
    assert.ok(t.raw.endsWith('\n'));
    const m = messages(t);
    assert.deepEqual(m.map((x) => x.role), ['user', 'assistant', 'toolResult', 'assistant']);
    const call = (m[1]!.content as Array<Record<string, unknown>>).find((b) => b.type === 'toolCall');
    assert.deepEqual(call, { type: 'toolCall', id: 'call_1', name: 'exec', arguments: { command: 'echo from-the-tool; echo to-stderr >&2' } });
    assert.equal(m[2]!.toolCallId, 'call_1');
    assert.match(JSON.stringify(m[2]!.content), /from-the-tool[\s\S]*exit code 0/);
    assert.equal(m[3]!.provider, 'fakeoa');
    assert.equal(m[3]!.model, 'gpt-fake');
    assert.deepEqual(m[3]!.usage, { input: 10, output: 3 });

    // The same idempotency key does not start a second run.
    const again = (await client.request('chat.send', { sessionKey: 'main', message: 'run the tool', idempotencyKey: 'k-openai-1' })) as { runId: string; status: string };
    assert.equal(again.runId, out.runId);
    assert.equal(again.status, 'ok');
    assert.equal(fake.requests.length, 2);
  });

  test('anthropic: tool_use input_json_delta fragments run write, then the text reply is saved', async () => {
    fake.requests.length = 0;
    fake.queue.push(anthropicToolUse('Writing.', { id: 'toolu_1', name: 'write', args: { path: 'notes/hello.txt', content: 'hello from claude\n' } }, 4), anthropicText(['Done', ' writing.']));
    const out = await chat(client, { sessionKey: 'anthropic-test', message: 'write a file', model: 'fakean/claude-fake' });
    assert.equal(out.state, 'final', JSON.stringify(out.final));
    assert.equal(out.text, 'Done writing.');
    assert.equal(fs.readFileSync(path.join(workspace, 'notes/hello.txt'), 'utf8'), 'hello from claude\n');
    assert.ok(fake.requests.every((r) => r.path === '/v1/messages'), 'the model picked in chat.send is used first');
    assert.equal(fake.requests[0]!.headers['x-api-key'], 'sk-fake-anthropic');
    assert.equal(fake.requests[0]!.headers['anthropic-version'], '2023-06-01');
    const second = fake.requests[1]!.body as { system: string; messages: Array<{ role: string; content: Array<Record<string, unknown>> }> };
    assert.match(second.system, /pirate/);
    assert.deepEqual(second.messages.map((x) => x.role), ['user', 'assistant', 'user']);
    assert.equal(second.messages[2]!.content[0]!.type, 'tool_result');
    assert.equal(second.messages[2]!.content[0]!.tool_use_id, 'toolu_1');
    const m = messages(transcriptFor(gw.stateDir, 'agent:main:anthropic-test'));
    assert.deepEqual(m.map((x) => x.role), ['user', 'assistant', 'toolResult', 'assistant']);
    assert.deepEqual((m[1]!.content as Array<Record<string, unknown>>)[1], { type: 'toolCall', id: 'toolu_1', name: 'write', arguments: { path: 'notes/hello.txt', content: 'hello from claude\n' } });
    assert.equal(m[3]!.provider, 'fakean');
  });

  test('429 with retry-after: the gateway waits that long, retries, and records the attempt', async () => {
    fake.requests.length = 0;
    fake.queue.push({ kind: 'status', status: 429, headers: { 'retry-after': '1' }, body: { error: { message: 'slow down', type: 'rate_limit' } } }, openaiText(['after', ' the wait']));
    const out = await chat(client, { sessionKey: 'rate-limited', message: 'hi' });
    assert.equal(out.state, 'final');
    assert.equal(out.text, 'after the wait');
    assert.equal(fake.requests.length, 2);
    const gap = fake.requests[1]!.at - fake.requests[0]!.at;
    assert.ok(gap >= 950, `retried after ${gap} ms, retry-after said 1 s`);
    const t = transcriptFor(gw.stateDir, 'agent:main:rate-limited');
    const ev = t.records.find((r) => r.kind === 'model_error');
    assert.equal(ev?.status, 429);
    assert.equal(ev?.next, 'retry');
    assert.equal(ev?.delayMs, 1000);
    assert.deepEqual(messages(t).map((x) => x.role), ['user', 'assistant']);
  });

  test('a 500 that persists falls back to the next model', async () => {
    fake.requests.length = 0;
    // primary: 500 three times (first try + 2 retries), then the fallback model answers
    for (let i = 0; i < 3; i++) fake.queue.push({ kind: 'status', status: 500, body: { error: { message: 'upstream exploded' } } });
    fake.queue.push(anthropicText(['fallback', ' answer']));
    const out = await chat(client, { sessionKey: 'fallback', message: 'hi' });
    assert.equal(out.state, 'final', JSON.stringify(out.final));
    assert.equal(out.text, 'fallback answer');
    assert.deepEqual(fake.requests.map((r) => r.path), ['/v1/chat/completions', '/v1/chat/completions', '/v1/chat/completions', '/v1/messages']);
    const t = transcriptFor(gw.stateDir, 'agent:main:fallback');
    const errs = t.records.filter((r) => r.kind === 'model_error');
    assert.deepEqual(errs.map((e) => e.next), ['retry', 'retry', 'fallback']);
    assert.ok(errs.every((e) => e.status === 500 && e.model === 'fakeoa/gpt-fake'));
    const last = messages(t).at(-1)!;
    assert.equal(last.provider, 'fakean');
    assert.equal(last.model, 'claude-fake');
  });

  test('a stream dropped after some text ends the run with an error, keeps the partial text, and the session goes on', async () => {
    fake.requests.length = 0;
    const dropped = openaiText(['partial ', 'answer ', 'never finished']);
    if (dropped.kind === 'sse') dropped.dropAfter = 3; // role chunk + two text chunks, then the socket dies
    fake.queue.push(dropped);
    const out = await chat(client, { sessionKey: 'dropped', message: 'hi' });
    assert.equal(out.state, 'error');
    assert.match(String(out.final.errorMessage), /stream/);
    assert.equal(fake.requests.length, 1, 'text already reached the user: no silent replay');
    let m = messages(transcriptFor(gw.stateDir, 'agent:main:dropped'));
    assert.equal(m.length, 2);
    assert.equal(m[1]!.stopReason, 'error');
    assert.deepEqual(m[1]!.content, [{ type: 'text', text: 'partial answer ' }]);

    fake.queue.push(openaiText(['fine now']));
    const next = await chat(client, { sessionKey: 'dropped', message: 'again' });
    assert.equal(next.state, 'final');
    m = messages(transcriptFor(gw.stateDir, 'agent:main:dropped'));
    assert.deepEqual(m.map((x) => x.role), ['user', 'assistant', 'user', 'assistant']);
  });

  test('a stream dropped before any output is retried transparently', async () => {
    fake.requests.length = 0;
    const dropped = openaiText(['x']);
    if (dropped.kind === 'sse') dropped.dropAfter = 1; // only the role chunk
    fake.queue.push(dropped, openaiText(['second try']));
    const out = await chat(client, { sessionKey: 'dropped-early', message: 'hi' });
    assert.equal(out.state, 'final');
    assert.equal(out.text, 'second try');
    assert.equal(fake.requests.length, 2);
  });

  test('chat.abort stops a streaming run; the partial reply is kept and marked aborted', async () => {
    fake.requests.length = 0;
    fake.queue.push(openaiText(Array.from({ length: 200 }, (_, i) => `t${i} `), { spacingMs: 20 }));
    const runDone = chat(client, { sessionKey: 'abort-me', message: 'long answer please' });
    // Abort as soon as the first delta arrives.
    await new Promise<void>((resolve) => {
      const set = events(client);
      const onEvent = (e: ChatEvent) => {
        if (e.event === 'chat' && e.payload.sessionKey === 'agent:main:abort-me' && e.payload.state === 'delta') {
          set.delete(onEvent);
          resolve();
        }
      };
      set.add(onEvent);
    });
    const abort = (await client.request('chat.abort', { sessionKey: 'abort-me' })) as { aborted: boolean; runIds: string[] };
    assert.equal(abort.aborted, true);
    const out = await runDone;
    assert.equal(out.state, 'aborted');
    assert.deepEqual(abort.runIds, [out.runId]);
    const t = transcriptFor(gw.stateDir, 'agent:main:abort-me');
    const m = messages(t);
    assert.equal(m[1]!.stopReason, 'aborted');
    assert.match(JSON.stringify(m[1]!.content), /t0 /);
    assert.ok(!JSON.stringify(m[1]!.content).includes('t199'), 'the stream was cut, not drained');
    assert.ok(t.records.some((r) => r.kind === 'aborted'));
  });

  test('history, sessions, agents and models over WS', async () => {
    const h = (await client.request('chat.history', { sessionKey: 'main' })) as { sessionKey: string; messages: Array<{ role: string }> };
    assert.equal(h.sessionKey, 'agent:main:main');
    assert.deepEqual(h.messages.map((x) => x.role), ['user', 'assistant', 'toolResult', 'assistant']);
    const list = (await client.request('sessions.list', {})) as { sessions: Array<{ key: string; title: string }> };
    assert.ok(list.sessions.some((s) => s.key === 'agent:main:main' && s.title === 'run the tool'));
    const got = (await client.request('sessions.get', { key: 'agent:main:fallback' })) as { messageCount: number; tornBytes: number };
    assert.equal(got.messageCount, 2);
    assert.equal(got.tornBytes, 0);
    const agents = (await client.request('agents.list', {})) as { defaultId: string; agents: Array<{ id: string; model: { primary: string; fallbacks: string[] } }> };
    assert.equal(agents.defaultId, 'main');
    assert.deepEqual(agents.agents[0]!.model, { primary: 'fakeoa/gpt-fake', fallbacks: ['fakean/claude-fake'] });
    const models = (await client.request('models.list', {})) as { models: Array<{ ref: string; name: string; available: boolean }> };
    assert.deepEqual(models.models.map((x) => [x.ref, x.name, x.available]), [['fakeoa/gpt-fake', 'GPT Fake', true], ['fakean/claude-fake', 'Claude Fake', true]]);
    await assert.rejects(client.request('chat.send', { sessionKey: 'agent:nobody:main', message: 'x' }), /unknown agent 'nobody'/);
    await assert.rejects(client.request('chat.send', { sessionKey: 'main' }), /required property 'message'/);
    await assert.rejects(client.request('chat.send', { sessionKey: 'main', message: 'x', model: 'nope/x' }), /unknown model provider 'nope'/);
  });
});
