// 100 concurrent chats against the fake model server, tokens 1 ms apart. Each token carries the
// time the fake server wrote it; the bench reads it back (a) straight from the fake server and
// (b) through the gateway (chat.send over WS, `chat` delta events). Added latency per token is
// (b) minus (a) at the same percentile. Same process, same clock: no cross-process skew.
// Also: the gateway's RSS before and after the run.
import fs from 'node:fs';
import { GatewayClient } from '../runtime/client/client.js';
import { readSse } from '../runtime/agent/sse.js';
import { openaiText, startFakeProvider } from '../tests/helpers/fake-provider.js';
import { startGateway } from '../tests/helpers/gateway.js';

const CHATS = 100;
const TOKENS = 200;
const CONNECTIONS = 10;

const now = () => performance.timeOrigin + performance.now();

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Record latency for every `@<ms>|` stamp found in a piece of text. */
function stamps(text: string, out: number[], at: number): void {
  for (const m of text.matchAll(/@(\d+\.\d+)\|/g)) out.push(at - Number(m[1]));
}

export async function run(): Promise<Array<{ metric: string; value: number; unit: string; baseline?: number; baselineLabel?: string; target?: string; pass?: boolean; note?: string }>> {
  // Each token is stamped when the fake server writes it (frames are built lazily per request).
  const fake = await startFakeProvider(() => {
    const reply = openaiText(Array.from({ length: TOKENS }, () => ''), { spacingMs: 1 });
    if (reply.kind === 'sse') {
      const frames = reply.frames;
      reply.frames = new Proxy(frames, {
        get(target, key, recv) {
          const v = Reflect.get(target, key, recv);
          if (typeof key === 'string' && /^\d+$/.test(key) && typeof v === 'string' && v.includes('"content":""') && Number(key) > 0) return v.replace('"content":""', `"content":"@${now().toFixed(3)}| "`);
          return v;
        },
      });
    }
    return reply;
  });
  const direct: number[] = [];
  const viaGateway: number[] = [];
  const gw = await startGateway({
    config: {
      gateway: { mode: 'local' },
      models: { providers: { fake: { baseUrl: fake.openaiBase, apiKey: 'sk-bench', api: 'openai-completions' } } },
      agents: { defaults: { model: 'fake/bench', maxConcurrent: 1000 } },
    },
  });
  try {
    // (a) direct: 100 concurrent streams read by this process.
    await Promise.all(
      Array.from({ length: CHATS }, async () => {
        const res = await fetch(`${fake.openaiBase}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"stream":true}' });
        for await (const ev of readSse(res.body!)) stamps(ev.data, direct, now());
      }),
    );

    const clients = await Promise.all(Array.from({ length: CONNECTIONS }, () => GatewayClient.connect({ url: gw.wsUrl, token: gw.token })));
    const runChat = (client: GatewayClient, key: string) =>
      new Promise<void>((resolve, reject) => {
        let runId: string | undefined;
        const pending: Array<Record<string, unknown>> = [];
        const onPayload = (p: Record<string, unknown>) => {
          if (p.state === 'delta') stamps(String(p.delta), viaGateway, now());
          else if (p.state === 'final') resolve();
          else if (p.state) reject(new Error(`chat ${key}: ${p.state} ${p.errorMessage ?? ''}`));
        };
        listeners.get(client)!.set(key, (p) => (runId ? p.runId === runId && onPayload(p) : pending.push(p)));
        client.request('chat.send', { sessionKey: key, message: 'go' }).then((r) => {
          runId = (r as { runId: string }).runId;
          for (const p of pending.splice(0)) if (p.runId === runId) onPayload(p);
        }, reject);
      });
    const listeners = new Map<GatewayClient, Map<string, (p: Record<string, unknown>) => void>>();
    for (const c of clients) {
      const map = new Map<string, (p: Record<string, unknown>) => void>();
      listeners.set(c, map);
      c.onEvent = (event, payload) => {
        const p = payload as Record<string, unknown>;
        if (event === 'chat') map.get(String(p.sessionKey))?.(p);
      };
    }
    // Warm-up (JIT, session dirs), then measure RSS growth over the real run.
    await Promise.all(clients.map((c, i) => runChat(c, `agent:main:warm-${i}`)));
    viaGateway.length = 0;
    const rssBefore = rssBytes(gw.proc.pid!);
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CHATS }, (_, i) => runChat(clients[i % CONNECTIONS]!, `agent:main:bench-${i}`)));
    const wall = performance.now() - t0;
    const rssAfter = rssBytes(gw.proc.pid!);
    await Promise.all(clients.map((c) => c.close()));

    direct.sort((a, b) => a - b);
    viaGateway.sort((a, b) => a - b);
    const tokens = viaGateway.length;
    const p50 = pct(viaGateway, 50) - pct(direct, 50);
    const p99 = pct(viaGateway, 99) - pct(direct, 99);
    const note = `${CHATS} chats x ${TOKENS} tokens over ${CONNECTIONS} WS connections, ${tokens} tokens in ${Math.round(wall)} ms; through gateway p50 ${pct(viaGateway, 50).toFixed(2)} / p99 ${pct(viaGateway, 99).toFixed(2)} ms, direct p50 ${pct(direct, 50).toFixed(2)} / p99 ${pct(direct, 99).toFixed(2)} ms`;
    if (tokens !== CHATS * TOKENS) throw new Error(`expected ${CHATS * TOKENS} stamped tokens through the gateway, got ${tokens}`);
    return [
      { metric: 'agent chat: added latency per token p50', value: round(p50), unit: 'ms', baseline: round(pct(direct, 50)), baselineLabel: 'direct from model server', note },
      { metric: 'agent chat: added latency per token p99', value: round(p99), unit: 'ms', baseline: round(pct(direct, 99)), baselineLabel: 'direct from model server', target: '<= 1 ms', pass: p99 <= 1 },
      { metric: 'agent chat: gateway RSS growth over 100 chats', value: round((rssAfter - rssBefore) / 1048576), unit: 'MiB', baseline: round(rssBefore / 1048576), baselineLabel: 'RSS before', target: '<= 30 MB', pass: rssAfter - rssBefore <= 30e6 },
    ];
  } finally {
    await gw.stop();
    await fake.close();
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000;

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of await run()) console.log(JSON.stringify(row));
}
