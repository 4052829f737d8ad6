// Pure pieces of the agent runtime: the session store's torn-line handling and write
// serialization, tool policy (deny wins), provider resolution, routing, apply_patch, SSE parsing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { canonicalSessionKey, isSandboxed, listAgents, routeAgent } from '../../runtime/agent/agents.js';
import { retryAfterMs } from '../../runtime/agent/errors.js';
import { backoffMs, DEFAULT_RETRY } from '../../runtime/agent/model.js';
import { applyHunks, parsePatch } from '../../runtime/tools/patch.js';
import { effectiveTools } from '../../runtime/agent/policy.js';
import { missingKey, resolveModel } from '../../runtime/agent/providers.js';
import { readSse } from '../../runtime/agent/sse.js';
import { TOOL_NAMES } from '../../runtime/agent/tools.js';
import { SessionStore } from '../../runtime/agent/transcript.js';
import { makeStateDir } from '../helpers/gateway.js';

const user = (text: string) => ({ type: 'message' as const, message: { role: 'user' as const, content: [{ type: 'text' as const, text }] } });

describe('session store', () => {
  test('a torn last line is ignored on load and cut off before the next append', async () => {
    const store = new SessionStore(makeStateDir('openclaw-store-'));
    const info = await store.open('main', 'agent:main:main');
    await store.append(info, [user('one'), user('two')]);
    fs.appendFileSync(info.file, '{"type":"message","message":{"role":"user","cont'); // a crash mid-write
    await store.close(); // the crashed gateway is gone

    const fresh = new SessionStore(store.stateDir); // a restarted gateway
    const again = await fresh.find('main', 'agent:main:main');
    let loaded = await fresh.load(again!);
    assert.equal(loaded.records.length, 3);
    assert.ok(loaded.tornBytes > 0);
    assert.equal(loaded.badLines, 0);
    assert.equal(again?.sessionId, info.sessionId);
    await fresh.append(again!, [user('three')]);
    loaded = await fresh.load(again!);
    assert.equal(loaded.tornBytes, 0);
    assert.deepEqual(loaded.records.filter((r) => r.type === 'message').map((r) => (r.type === 'message' ? r.message.content[0]!.type === 'text' && (r.message.content[0] as { text: string }).text : '')), ['one', 'two', 'three']);
    assert.ok(fs.readFileSync(info.file, 'utf8').split('\n').filter(Boolean).every((l) => JSON.parse(l)));
  });

  test('a session served from memory matches what is on disk, through concurrent appends and loads', async () => {
    const creator = new SessionStore(makeStateDir('openclaw-store-'));
    const { written } = await creator.openAndAppend('main', 'agent:main:mirror', [user('first')]);
    assert.equal(written.length, 1);
    await creator.close();
    const store = new SessionStore(creator.stateDir); // nothing in memory yet: loads read the file
    const info = (await store.find('main', 'agent:main:mirror'))!;
    const appends: Array<Promise<unknown>> = [];
    const loads: Array<Promise<unknown>> = [];
    for (let i = 0; i < 20; i++) {
      appends.push(store.append(info, [user(`m${i}`)]));
      if (i % 3 === 0) loads.push(store.load(info)); // loads racing appends must not leave a stale copy
    }
    await Promise.all([...appends, ...loads]);
    const served = await store.load(info);
    const onDisk = await new SessionStore(store.stateDir).load(info);
    assert.deepEqual(served.records, onDisk.records);
    assert.equal(onDisk.records.length, 22); // header, first, m0..m19
    const again = await store.openAndAppend('main', 'agent:main:mirror', [user('last')]);
    assert.equal(again.info.sessionId, info.sessionId);
    assert.deepEqual((await store.load(info)).records, (await new SessionStore(store.stateDir).load(info)).records);
    await store.close();
  });

  test('a file that is only a fragment (crash during the header) does not block the session key', async () => {
    const stateDir = makeStateDir('openclaw-store-');
    const dir = path.join(stateDir, 'agents', 'main', 'sessions');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'broken.jsonl'), '{"type":"sess');
    const store = new SessionStore(stateDir);
    assert.deepEqual(await store.list('main'), []);
    const info = await store.open('main', 'agent:main:main');
    await store.append(info, [user('works')]);
    assert.equal((await store.load(info)).records.length, 2);
  });

  test('300 concurrent appends to one session are serialized: every record whole, none lost', async () => {
    const store = new SessionStore(makeStateDir('openclaw-store-'));
    const info = await store.open('main', 'agent:main:busy');
    const big = 'x'.repeat(20_000); // larger than a pipe buffer: interleaving would show
    await Promise.all(Array.from({ length: 300 }, (_, i) => store.append(info, [user(`${i}:${big}`)])));
    const loaded = await store.load(info);
    assert.equal(loaded.badLines, 0);
    const texts = loaded.records.flatMap((r) => (r.type === 'message' ? [(r.message.content[0] as { text: string }).text.split(':')[0]] : []));
    assert.equal(texts.length, 300);
    assert.deepEqual(new Set(texts).size, 300);
  });

  test('two keys created at once get two sessions; the same key twice gets one', async () => {
    const store = new SessionStore(makeStateDir('openclaw-store-'));
    const [a, b, c] = await Promise.all([store.open('main', 'agent:main:a'), store.open('main', 'agent:main:a'), store.open('main', 'agent:main:b')]);
    assert.equal(a.sessionId, b.sessionId);
    assert.notEqual(a.sessionId, c.sessionId);
    assert.equal(fs.readdirSync(store.dirFor('main')).length, 2);
  });
});

describe('tool policy', () => {
  test('deny wins over allow, globs and groups expand, a per-agent list replaces the global one', () => {
    assert.deepEqual(effectiveTools(TOOL_NAMES, {}), TOOL_NAMES);
    assert.deepEqual(effectiveTools(TOOL_NAMES, { global: { allow: ['exec', 'read'], deny: ['exec'] } }), ['read']);
    assert.deepEqual(effectiveTools(TOOL_NAMES, { global: { allow: [] } }), TOOL_NAMES, 'an empty allow list allows everything');
    assert.deepEqual(effectiveTools(TOOL_NAMES, { global: { deny: ['sessions_*', 'group:runtime'] } }), ['read', 'write', 'edit', 'apply_patch', 'ls', 'session_status']);
    assert.deepEqual(effectiveTools(TOOL_NAMES, { global: { deny: ['read'] }, agent: { allow: ['group:fs'] } }), ['read', 'write', 'edit', 'apply_patch', 'ls'], 'the agent list replaces the global one');
    assert.deepEqual(effectiveTools(TOOL_NAMES, { global: { allow: ['exec', 'read'] }, sandbox: { deny: ['exec'] } }), ['read'], 'the sandbox layer only narrows');
    assert.deepEqual(effectiveTools(TOOL_NAMES, { global: { allow: ['read'], alsoAllow: ['ls'] } }), ['read', 'ls']);
  });
});

describe('providers', () => {
  const penv = (env: Record<string, string>, inContainer = false) => ({ env, inContainer, stateDir: makeStateDir('openclaw-prov-'), agentId: 'main' });

  test('built-in ids need only a key; local servers default to host.docker.internal in a container', () => {
    const openai = resolveModel('openai/gpt-4o-mini', {}, penv({ OPENAI_API_KEY: 'sk-env' }));
    assert.equal(openai.baseUrl, 'https://api.openai.com/v1');
    assert.equal(openai.api, 'openai-completions');
    assert.equal(openai.apiKey, 'sk-env');
    assert.equal(resolveModel('anthropic/claude-x', {}, penv({})).api, 'anthropic-messages');
    assert.match(String(missingKey(resolveModel('anthropic/claude-x', {}, penv({})))), /ANTHROPIC_API_KEY/);
    assert.equal(resolveModel('groq/llama', {}, penv({ GROQ_API_KEY: 'g' })).baseUrl, 'https://api.groq.com/openai/v1');
    assert.equal(resolveModel('ollama/llama3', {}, penv({})).baseUrl, 'http://127.0.0.1:11434/v1');
    assert.equal(resolveModel('ollama/llama3', {}, penv({}, true)).baseUrl, 'http://host.docker.internal:11434/v1');
    assert.equal(resolveModel('lmstudio/qwen', {}, penv({}, true)).baseUrl, 'http://host.docker.internal:1234/v1');
    assert.equal(missingKey(resolveModel('ollama/llama3', {}, penv({}))), undefined, 'local servers need no key');
  });

  test('models.providers overrides, auth profiles and SecretRefs supply keys in order', () => {
    const config = {
      models: { providers: { openai: { baseUrl: 'http://proxy.local/v1' }, vllm2: { baseUrl: 'http://10.0.0.5:8000/v1', api: 'openai-completions' as const, apiKey: { source: 'env' as const, provider: 'default', id: 'MY_VLLM_KEY' } } } },
      auth: { profiles: { 'openai:work': { provider: 'openai', apiKey: 'sk-work' }, 'openai:home': { provider: 'openai', apiKey: 'sk-home' } }, order: { openai: ['openai:home', 'openai:work'] } },
    };
    const m = resolveModel('openai/gpt-x', config, penv({ OPENAI_API_KEY: 'sk-env' }));
    assert.equal(m.baseUrl, 'http://proxy.local/v1');
    assert.equal(m.apiKey, 'sk-home', 'auth.order picks the profile before the env key');
    assert.equal(resolveModel('vllm2/m', config, penv({ MY_VLLM_KEY: 'k2' })).apiKey, 'k2');
    assert.throws(() => resolveModel('nope/m', config, penv({})), /unknown model provider 'nope'/);
    assert.throws(() => resolveModel('gpt-4o', config, penv({})), /provider\/model form/);
  });

  test('retry-after as seconds, date or ms; backoff grows with jitter but never below half', () => {
    assert.equal(retryAfterMs(new Headers({ 'retry-after': '2' })), 2000);
    assert.equal(retryAfterMs(new Headers({ 'retry-after-ms': '150' })), 150);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': new Date(10_000).toUTCString() }), 4000), 6000);
    assert.equal(retryAfterMs(new Headers({})), undefined);
    assert.equal(backoffMs(DEFAULT_RETRY, 0, () => 0), 250);
    assert.equal(backoffMs(DEFAULT_RETRY, 2, () => 1), 2000);
    assert.equal(backoffMs(DEFAULT_RETRY, 10, () => 1), DEFAULT_RETRY.maxDelayMs);
  });

  test('SSE parsing survives events and multi-byte characters split across chunks', async () => {
    const bytes = Buffer.from('event: a\ndata: {"t":"h\u00e9llo"}\n\n: keep-alive\n\ndata: line1\ndata: line2\r\n\r\ndata: [DONE]\n\n');
    const chunks = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1)); // one byte at a time
    const stream = new ReadableStream<Uint8Array>({ start(c) { for (const ch of chunks) c.enqueue(new Uint8Array(ch)); c.close(); } });
    const got = [];
    for await (const ev of readSse(stream)) got.push(ev);
    assert.deepEqual(got, [{ event: 'a', data: '{"t":"h\u00e9llo"}' }, { event: 'message', data: 'line1\nline2' }, { event: 'message', data: '[DONE]' }]);
  });
});

describe('agents and routing', () => {
  test('agents.list and agents.entries merge over defaults; main sessions are exempt from non-main sandboxing', () => {
    const agents = listAgents(
      {
        agents: {
          defaults: { model: { primary: 'openai/a', fallbacks: ['anthropic/b'] }, maxConcurrent: 2, sandbox: { mode: 'non-main' } },
          list: [{ id: 'work', default: true, workspace: '/tmp/w' }, { id: 'fast', model: 'groq/x' }],
          entries: { home: { maxConcurrent: 9 } },
        },
      },
      '/state',
      '/state/workspace',
    );
    assert.deepEqual(agents.map((a) => [a.id, a.default, a.workspace, a.models.join(','), a.maxConcurrent]), [
      ['work', true, '/tmp/w', 'openai/a,anthropic/b', 2],
      ['fast', false, '/state/workspace-fast', 'groq/x', 2],
      ['home', false, '/state/workspace-home', 'openai/a,anthropic/b', 9],
    ]);
    assert.equal(isSandboxed(agents[0]!, 'agent:work:main'), false);
    assert.equal(isSandboxed(agents[0]!, 'agent:work:telegram:group:42'), true);
    assert.equal(canonicalSessionKey('main', 'work'), 'agent:work:main');
    assert.equal(canonicalSessionKey('chat-1', 'work'), 'agent:work:chat-1');
    assert.equal(listAgents({}, '/s', '/s/workspace')[0]!.id, 'main');
  });

  test('bindings: the most specific match wins, else the default agent', () => {
    const bindings = [
      { agentId: 'support', match: { channel: 'discord' } },
      { agentId: 'guild', match: { channel: 'discord', guildId: 'g1' } },
      { agentId: 'vip', match: { channel: 'discord', peer: { kind: 'dm', id: 'u1' } } },
    ];
    assert.equal(routeAgent(bindings, { channel: 'discord', peer: { kind: 'dm', id: 'u1' }, guildId: 'g1' }, 'main').agentId, 'vip');
    assert.equal(routeAgent(bindings, { channel: 'discord', guildId: 'g1' }, 'main').agentId, 'guild');
    assert.equal(routeAgent(bindings, { channel: 'discord' }, 'main').agentId, 'support');
    assert.equal(routeAgent(bindings, { channel: 'telegram' }, 'main').agentId, 'main');
  });
});

describe('apply_patch', () => {
  test('add, update (with context and trailing-space tolerance), move and delete', () => {
    const ops = parsePatch(['*** Begin Patch', '*** Add File: a.txt', '+one', '+two', '*** Update File: b.txt', '*** Move to: c.txt', '@@ def f', ' def f():', '-    return 1', '+    return 2', '*** Delete File: d.txt', '*** End Patch'].join('\n'));
    assert.deepEqual(ops.map((o) => o.kind), ['add', 'update', 'delete']);
    assert.deepEqual(ops[0]!.kind === 'add' && ops[0]!.lines, ['one', 'two']);
    const upd = ops[1]!;
    assert.ok(upd.kind === 'update');
    assert.equal(upd.moveTo, 'c.txt');
    assert.equal(applyHunks('x = 0\ndef f():  \n    return 1\n', upd.hunks, 'b.txt'), 'x = 0\ndef f():\n    return 2\n');
    assert.throws(() => applyHunks('nothing here\n', upd.hunks, 'b.txt'), /hunk 1 does not match/);
    assert.throws(() => parsePatch('*** Add File: x\n+y'), /Begin Patch/);
  });
});
