// 100 concurrent chats against a fake model server, tokens 1 ms apart, through the gateway and,
// in the same run, through a bare relay (the baseline: node:http in, ws out, nothing else). Four
// processes so none steals another's event loop: the model server (bench/agent-fake-stream.ts),
// the bare relay (bench/agent-bare-proxy.ts), the gateway (bin/openclaw gateway), and this one,
// the measuring client, which sends the chats over 10 WS connections and reads the deltas.
// Added latency of a token = its arrival here − the time the model server wrote it, both on
// CLOCK_MONOTONIC (shared by every process on the box; the stamp rides in the token's text). So it
// includes the loopback hop to the relay and this process's own read, the same for both relays.
// Also measured: RSS growth (peak during the run over the value after a warm-up) and CPU time per
// token of each relay, the number that does not depend on how busy the box is.
// OPENCLAW_BENCH_CPU_PROF=<dir> runs the gateway under `node --cpu-prof` and writes the profile
// there (window.json holds the measured run's start and end on the profile's clock, in µs);
// OPENCLAW_BENCH_GATEWAY_NODE_ARGS and OPENCLAW_BENCH_BARE_NODE_ARGS add node options for the gateway
// and the bare relay (e.g. --trace-gc); OPENCLAW_BENCH_AGENT_CHATS changes the number of chats.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { GatewayClient } from '../runtime/client/client.js';
import { monoMicros, SPACING_MS, TOKENS } from './agent-fake-stream.js';
import type { BenchRow } from './table.js';

const CHATS = Number(process.env.OPENCLAW_BENCH_AGENT_CHATS ?? 100); // the issue asks for 100; fewer shows an unsaturated box
const CONNECTIONS = 10;
const WARMUP_CHATS = 20;

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

// ---- processes -------------------------------------------------------------------------------

/** Spawn a bench helper that prints one JSON line once it listens; it exits when our stdin pipe closes. */
async function spawnHelper<T>(file: string, args: string[] = [], nodeArgs: string[] = []): Promise<{ proc: ChildProcess; info: T }> {
  const proc = spawn(process.execPath, [...nodeArgs, here(file), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const info = await new Promise<T>((resolve, reject) => {
    let out = '';
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)) as T);
    });
    proc.on('exit', (code) => reject(new Error(`${file} exited with ${code} before listening`)));
  });
  return { proc, info };
}

function statusKb(pid: number, field: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** User + system CPU time of a process, in ms (USER_HZ is 100 on every common Linux). */
function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

/** Busy and total jiffies of the whole box (all CPUs) from /proc/stat. */
function boxCpu(): { busy: number; total: number } {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
}

function pct(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

// ---- the measuring client ----------------------------------------------------------------------

interface Target {
  label: string;
  pid: number;
  /** Open one WS connection, ready for `chat.send` request frames. */
  open(): Promise<WebSocket>;
}

interface Measured {
  /** Added latency per token, ms, sorted. */
  added: Float64Array;
  wallMs: number;
  deltaEvents: number;
  cpuMs: number;
  fakeCpuMs: number;
  selfCpuMs: number;
  boxBusy: number;
  rssBefore: number;
  rssPeak: number;
}

const STAMP = /@(\d+)\.(\d+)\.(\d+)\|/g;

/** Send `chats` chats spread over the connections; resolve when every one reached `final`. */
function runChats(sockets: WebSocket[], chats: number, prefix: string, onToken: (addedMs: number) => void, onDelta: () => void): Promise<void> {
  let nextId = 0;
  const waiting = new Map<string, { resolve(): void; reject(err: Error): void }>();
  const done = Array.from({ length: chats }, (_, i) => {
    const key = `agent:main:${prefix}-${i}`;
    return new Promise<void>((resolve, reject) => waiting.set(key, { resolve, reject }));
  });
  const handlers = sockets.map((ws) => {
    const onMessage = (data: Buffer) => {
      const at = monoMicros();
      const frame = JSON.parse(data.toString()) as { type: string; event?: string; ok?: boolean; error?: { message?: string }; payload?: { sessionKey?: string; state?: string; delta?: string; errorMessage?: string } };
      if (frame.type === 'res' && frame.ok === false) {
        for (const w of waiting.values()) w.reject(new Error(`chat.send failed: ${frame.error?.message}`));
        return;
      }
      if (frame.type !== 'event' || frame.event !== 'chat' || !frame.payload) return;
      const p = frame.payload;
      if (p.state === 'delta' && p.delta) {
        onDelta();
        for (const m of p.delta.matchAll(STAMP)) onToken((at - Number(m[3])) / 1000);
      } else if (p.state === 'final') waiting.get(p.sessionKey!)?.resolve();
      else if (p.state === 'error' || p.state === 'aborted') waiting.get(p.sessionKey!)?.reject(new Error(`chat ${p.sessionKey}: ${p.state} ${p.errorMessage ?? ''}`));
    };
    ws.on('message', onMessage);
    return () => ws.off('message', onMessage);
  });
  for (let i = 0; i < chats; i++) {
    sockets[i % sockets.length]!.send(JSON.stringify({ type: 'req', id: `b${++nextId}`, method: 'chat.send', params: { sessionKey: `agent:main:${prefix}-${i}`, message: 'go' } }));
  }
  return Promise.all(done).then(
    () => handlers.forEach((off) => off()),
    (err: Error) => {
      handlers.forEach((off) => off());
      throw err;
    },
  );
}

async function measure(target: Target, fakePid: number, round: number): Promise<Measured> {
  const sockets = await Promise.all(Array.from({ length: CONNECTIONS }, () => target.open()));
  try {
    // Warm-up: JIT, sockets to the model server, session directories.
    await runChats(sockets, WARMUP_CHATS, `warm${round}`, () => {}, () => {});
    const added = new Float64Array(CHATS * TOKENS);
    let n = 0;
    let deltaEvents = 0;
    const rssBefore = statusKb(target.pid, 'VmRSS') * 1024;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, statusKb(target.pid, 'VmRSS') * 1024)), 25);
    const cpu0 = cpuMs(target.pid);
    const fake0 = cpuMs(fakePid);
    const self0 = process.cpuUsage();
    const box0 = boxCpu();
    const t0 = performance.now();
    await runChats(sockets, CHATS, `bench${round}`, (ms) => (added[n++] = ms), () => deltaEvents++);
    const wallMs = performance.now() - t0;
    const box1 = boxCpu();
    clearInterval(sampler);
    rssPeak = Math.max(rssPeak, statusKb(target.pid, 'VmRSS') * 1024);
    if (n !== CHATS * TOKENS) throw new Error(`${target.label}: expected ${CHATS * TOKENS} tokens, got ${n}`);
    const self = process.cpuUsage(self0);
    return {
      added: added.sort(),
      wallMs,
      deltaEvents,
      cpuMs: cpuMs(target.pid) - cpu0,
      fakeCpuMs: cpuMs(fakePid) - fake0,
      selfCpuMs: (self.user + self.system) / 1000,
      boxBusy: (box1.busy - box0.busy) / Math.max(1, box1.total - box0.total),
      rssBefore,
      rssPeak,
    };
  } finally {
    for (const ws of sockets) ws.terminate();
  }
}

/**
 * The floor: this process reads the model server's streams itself, no relay in between. If the
 * box cannot get tokens to a reader within 1 ms this way, no relay can.
 */
async function measureDirect(openaiBase: string): Promise<Float64Array> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const stream = (onToken: (ms: number) => void) =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(`${openaiBase}/chat/completions`, { method: 'POST', agent }, (res) => {
        res.setEncoding('latin1');
        let rest = '';
        res.on('data', (chunk: string) => {
          const at = monoMicros();
          const text = rest + chunk;
          const cut = text.lastIndexOf('\n');
          for (const m of text.slice(0, cut + 1).matchAll(STAMP)) onToken((at - Number(m[3])) / 1000);
          rest = text.slice(cut + 1);
        });
        res.on('end', resolve);
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end('{}');
    });
  try {
    await Promise.all(Array.from({ length: WARMUP_CHATS }, () => stream(() => {})));
    const added = new Float64Array(CHATS * TOKENS);
    let n = 0;
    await Promise.all(Array.from({ length: CHATS }, () => stream((ms) => (added[n++] = ms))));
    if (n !== CHATS * TOKENS) throw new Error(`direct: expected ${CHATS * TOKENS} tokens, got ${n}`);
    return added.sort();
  } finally {
    agent.destroy();
  }
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

function describe(m: Measured): string {
  const tokens = m.added.length;
  return (
    `${tokens} tokens in ${Math.round(m.wallMs)} ms (ideal ${TOKENS * SPACING_MS} ms) as ${m.deltaEvents} delta events; ` +
    `CPU: relay ${Math.round(m.cpuMs)} ms, model server ${Math.round(m.fakeCpuMs)} ms, this client ${Math.round(m.selfCpuMs)} ms; box ${(m.boxBusy * 100).toFixed(0)}% busy; ` +
    `added latency p90 ${pct(m.added, 90).toFixed(2)} / p99.9 ${pct(m.added, 99.9).toFixed(2)} / max ${m.added[tokens - 1]!.toFixed(2)} ms`
  );
}

export async function run(): Promise<BenchRow[]> {
  const { startGateway } = await import('../tests/helpers/gateway.js');
  const loadBefore = os.loadavg();
  const fake = await spawnHelper<{ openaiBase: string }>('./agent-fake-stream.js');
  const bare = await spawnHelper<{ url: string }>('./agent-bare-proxy.js', [fake.info.openaiBase], process.env.OPENCLAW_BENCH_BARE_NODE_ARGS?.split(' ').filter(Boolean));
  const profDir = process.env.OPENCLAW_BENCH_CPU_PROF;
  const gw = await startGateway({
    config: {
      gateway: { mode: 'local' },
      models: { providers: { fake: { baseUrl: fake.info.openaiBase, apiKey: 'sk-bench', api: 'openai-completions' } } },
      agents: { defaults: { model: 'fake/bench', maxConcurrent: 1000 } },
    },
    nodeArgs: [...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), ...(process.env.OPENCLAW_BENCH_GATEWAY_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
  });
  try {
    const bareTarget: Target = {
      label: 'bare relay',
      pid: bare.proc.pid!,
      open: () =>
        new Promise((resolve, reject) => {
          const ws = new WebSocket(bare.info.url, { perMessageDeflate: false });
          ws.once('open', () => resolve(ws)).once('error', reject);
        }),
    };
    const gwTarget: Target = {
      label: 'gateway',
      pid: gw.proc.pid!,
      open: async () => {
        const c = await GatewayClient.connect({ url: gw.wsUrl, token: gw.token });
        c.ws.removeAllListeners('message'); // from here on, read frames the same way as the bare relay's
        return c.ws as unknown as WebSocket;
      },
    };
    const direct = await measureDirect(fake.info.openaiBase);
    const base = await measure(bareTarget, fake.proc.pid!, 1);
    const mono0 = process.hrtime.bigint();
    const ours = await measure(gwTarget, fake.proc.pid!, 2);
    if (profDir) {
      fs.mkdirSync(profDir, { recursive: true });
      fs.writeFileSync(`${profDir}/window.json`, JSON.stringify({ start: Number(mono0 / 1000n), end: Number(process.hrtime.bigint() / 1000n) }));
    }
    const tokens = CHATS * TOKENS;
    const rate = (CHATS * 1000) / SPACING_MS; // tokens/s asked for
    const perToken = (m: Measured) => (m.cpuMs * 1000) / tokens; // µs
    const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
    // The CPU the full rate asks of this box: model server + relay + measuring client, per token,
    // times tokens per second. Above the CPU count, tokens queue in every process whatever the
    // relay does, and the latency rows measure that queue.
    const cores = os.cpus().length;
    const demand = (m: Measured) => ((m.cpuMs + m.fakeCpuMs + m.selfCpuMs) * 1000 * rate) / tokens / 1e6;
    const capacity =
      `CPU the full rate needs from this box (model server + relay + measuring client): ${demand(base).toFixed(1)} cores with the bare relay, ${demand(ours).toFixed(1)} with the gateway, on ${cores} CPUs` +
      (demand(base) > cores ? ' — beyond the box even for the bare relay, so neither can hold 1 ms here; compare the ratios' : '') +
      `. With no relay at all (this process reading the model server's streams itself) p50 ${pct(direct, 50).toFixed(2)} / p99 ${pct(direct, 99).toFixed(2)} ms`;
    const setup = `${CHATS} chats x ${TOKENS} tokens ${SPACING_MS} ms apart (${rate / 1000}k tokens/s) over ${CONNECTIONS} WS connections, after ${WARMUP_CHATS} warm-up chats; load average ${la(loadBefore)} before, ${cores} CPUs`;
    return [
      { metric: 'agent chat: added latency per token p50', value: round3(pct(ours.added, 50)), unit: 'ms', baseline: round3(pct(base.added, 50)), baselineLabel: 'bare relay', note: `${setup}. gateway: ${describe(ours)}. bare relay: ${describe(base)}` },
      { metric: 'agent chat: added latency per token p99', value: round3(pct(ours.added, 99)), unit: 'ms', baseline: round3(pct(base.added, 99)), baselineLabel: 'bare relay', target: '≤ 1 ms', pass: pct(ours.added, 99) <= 1, note: `model server write -> arrival at the measuring client, CLOCK_MONOTONIC stamp in each token; the bare relay is node:http + SSE split + JSON.parse + ws.send and nothing else, measured just before the gateway. ${capacity}` },
      { metric: 'agent chat: relay CPU per token', value: round3(perToken(ours)), unit: 'µs', baseline: round3(perToken(base)), baselineLabel: 'bare relay', note: `user+system CPU of the relay process over the measured run / tokens (no target; inflated when the box is busy); at the full rate the gateway needs ${((perToken(ours) * rate) / 1e4).toFixed(0)}% of one core` },
      {
        metric: `agent chat: RSS growth over ${CHATS} chats`,
        value: round3((ours.rssPeak - ours.rssBefore) / 1e6),
        unit: 'MB',
        baseline: round3((base.rssPeak - base.rssBefore) / 1e6),
        baselineLabel: 'bare relay',
        target: '≤ 30 MB',
        pass: ours.rssPeak - ours.rssBefore <= 30e6,
        note: `peak VmRSS sampled every 25 ms during the run minus VmRSS after the warm-up (gateway ${(ours.rssBefore / 1e6).toFixed(1)} MB, bare relay ${(base.rssBefore / 1e6).toFixed(1)} MB before)`,
      },
    ];
  } finally {
    await gw.stop();
    bare.proc.stdin!.end();
    fake.proc.stdin!.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) for (const row of await run()) console.log(JSON.stringify(row));
