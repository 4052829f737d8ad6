// `npm run bench`: one run, one table. Every gateway number sits next to a bare-Node or bare-ws
// baseline measured in the same run on the same box, so the ratio is our overhead, not the
// machine's speed. `--json` prints the rows instead. Targets are issue #2's; a missed target marks
// the row FAIL but the exit code stays 0 (this is a measurement, not a test).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import Module from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { GatewayClient } from '../runtime/client/client.js';
import { BIN, cleanEnv, makeStateDir, REPO } from '../tests/helpers/gateway.js';
import { formatTable, skippedRow, type BenchRow } from './table.js';

const COLD_STARTS = 10;
const IDLE_WAIT_MS = 10_000;
const RPC_COUNT = 500;
const RPC_WARMUP = 300;
const HANDSHAKES = 50;
const HANDSHAKE_WARMUP = 10;

const M = {
  start: 'start -> first /healthz 200 (median of 10 cold)',
  rss: 'idle RSS 10 s after start',
  rpcP50: 'health RPC p50 (500 sequential, 1 conn)',
  rpcP99: 'health RPC p99 (500 sequential, 1 conn)',
  rpcClientP50: 'health RPC p50 via GatewayClient.request',
  handshake: 'connect+handshake to hello-ok (median of 50)',
  floorP50: 'floor: TCP echo round trip p50 (no ws, no JSON)',
  floorP99: 'floor: TCP echo round trip p99 (no ws, no JSON)',
  floorConnect: 'floor: TCP connect + one echo (median of 50)',
  startNoCa: 'start -> first /healthz 200, NODE_EXTRA_CA_CERTS unset',
} as const;

const UPSTREAM = {
  label: 'upstream 2026.9.6 (reference, not measured here)',
  values: {
    [M.start]: '6.6 s',
    [M.rss]: '738 MB (+173 MB children)',
    [M.rpcP50]: '1.0 ms',
    [M.rpcP99]: '3.8–11.9 ms',
    [M.handshake]: '2.5 ms',
  } as Record<string, string>,
};

// The baselines: the least a Node process can do for the same job.
const BARE_HTTP = "require('http').createServer((q,s)=>s.end('ok')).listen(+process.env.PORT)";
const BARE_WS =
  "const {WebSocketServer}=require('ws');" +
  "const w=new WebSocketServer({host:'127.0.0.1',port:+process.env.PORT,perMessageDeflate:false});" +
  "w.on('connection',s=>s.on('message',(d,b)=>s.send(d,{binary:b})));" +
  "w.on('listening',()=>process.stderr.write('listening\\n'))";
// The box's own floor for a round trip between two Node processes: bytes echoed over loopback TCP,
// no WebSocket framing, no JSON. Whatever tail this shows, no WebSocket server here can beat.
const BARE_TCP =
  "require('net').createServer({noDelay:true},s=>s.on('data',d=>s.write(d)))" +
  ".listen(+process.env.PORT,'127.0.0.1',()=>process.stderr.write('listening\\n'))";

// ---------------------------------------------------------------------------------------------
// Processes: everything spawned is tracked and killed on the way out, whatever happens.

const live = new Set<ChildProcess>();
const tempDirs: string[] = [];

function track(proc: ChildProcess): ChildProcess {
  live.add(proc);
  proc.on('exit', () => live.delete(proc));
  return proc;
}

function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), 7000);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

function cleanup(): void {
  for (const proc of live) proc.kill('SIGKILL');
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

/** A port free on both 127.0.0.1 and ::1 (the gateway's loopback binds both), chosen beforehand. */
async function freePort(): Promise<number> {
  const tryListen = (host: string, port: number) =>
    new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen({ host, port, exclusive: true }, () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
  for (;;) {
    const port = await tryListen('127.0.0.1', 0);
    try {
      await tryListen('::1', port);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') continue;
    }
    return port;
  }
}

interface Spawned {
  proc: ChildProcess;
  port: number;
  token: string;
  /** performance.now() just before spawn(). */
  t0: number;
  output(): string;
}

/** Variables a start can run without: set `dropCa` to time a node start that parses no extra CA bundle. */
function benchEnv(extra: Record<string, string>, dropCa = false): NodeJS.ProcessEnv {
  const env = cleanEnv(extra);
  if (dropCa) delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

function spawnGatewayOn(port: number, dropCa = false): Spawned {
  const stateDir = makeStateDir('openclaw-bench-');
  tempDirs.push(stateDir);
  fs.writeFileSync(path.join(stateDir, 'openclaw.json'), JSON.stringify({ gateway: { mode: 'local' } }), { mode: 0o600 });
  const token = randomBytes(32).toString('hex');
  const env = benchEnv({ OPENCLAW_STATE_DIR: stateDir, OPENCLAW_GATEWAY_TOKEN: token }, dropCa);
  return spawnNode([BIN, 'gateway', '--port', String(port)], env, port, token);
}

function spawnBare(script: string, port: number, dropCa = false): Spawned {
  return spawnNode(['-e', script], benchEnv({ PORT: String(port) }, dropCa), port, '');
}

function spawnNode(args: string[], env: NodeJS.ProcessEnv, port: number, token: string): Spawned {
  let out = '';
  const t0 = performance.now();
  const proc = track(spawn(process.execPath, args, { env, cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] }));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  return { proc, port, token, t0, output: () => out };
}

function getStatus(port: number, pathname: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathname, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

/** Poll /healthz every millisecond from the moment of spawn; resolves with ms from spawn to the first 200. */
async function timeToFirst200(s: Spawned, timeoutMs = 15_000): Promise<number> {
  for (;;) {
    if (s.proc.exitCode !== null) throw new Error(`process exited with ${s.proc.exitCode} before answering:\n${s.output()}`);
    try {
      if ((await getStatus(s.port, '/healthz')) === 200) return performance.now() - s.t0;
    } catch {
      // not listening yet
    }
    if (performance.now() - s.t0 > timeoutMs) throw new Error(`no /healthz 200 within ${timeoutMs} ms:\n${s.output()}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

// ---------------------------------------------------------------------------------------------
// Statistics

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
const median = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function row(metric: string, value: number, unit: string, targetMax: number, targetText: string, baseline?: number, baselineLabel?: string, note?: string): BenchRow {
  return {
    metric,
    value,
    unit,
    target: targetText,
    pass: value <= targetMax,
    ...(baseline !== undefined ? { baseline } : {}),
    ...(baselineLabel ? { baselineLabel } : {}),
    ...(note ? { note } : {}),
  };
}

function log(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}

// ---------------------------------------------------------------------------------------------
// 1. Cold start

/** CPU time (ms, all threads) a process has used so far, from /proc/<pid>/task/<tid>/schedstat (ns). */
function cpuMs(pid: number): number {
  try {
    let ns = 0;
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    return ns / 1e6;
  } catch {
    return Number.NaN;
  }
}

/** One cold start: spawn on a port chosen beforehand, time to the first /healthz 200, stop. */
async function coldStart(kind: 'gateway' | 'bare', dropCa: boolean): Promise<{ wall: number; cpu: number }> {
  const port = await freePort();
  const s = kind === 'gateway' ? spawnGatewayOn(port, dropCa) : spawnBare(BARE_HTTP, port, dropCa);
  try {
    const wall = await timeToFirst200(s);
    return { wall, cpu: cpuMs(s.proc.pid!) };
  } finally {
    await stop(s.proc);
  }
}

/** Whether bin/openclaw will start from its V8 code cache (Node < 22.1 keeps it beside the bundle). */
function codeCacheState(): string {
  const bundle = path.join(REPO, 'dist', 'runtime', 'openclaw.cjs');
  if (typeof (Module as { enableCompileCache?: unknown }).enableCompileCache === 'function') return "Node's own compile cache";
  try {
    if (fs.statSync(`${bundle}.v8cache`).mtimeMs >= fs.statSync(bundle).mtimeMs) return 'code cache of the bundle present (as after any earlier start)';
  } catch {
    // none
  }
  return 'no code cache yet (the first gateway start compiles and writes it)';
}

interface Starts {
  gw: number[];
  bare: number[];
  gwCpu: number[];
  bareCpu: number[];
}

/** COLD_STARTS of each, interleaved so drift on the box (thermal, other load) hits both sides alike. */
async function coldStarts(dropCa: boolean): Promise<Starts> {
  const out: Starts = { gw: [], bare: [], gwCpu: [], bareCpu: [] };
  for (let i = 0; i < COLD_STARTS; i++) {
    const b = await coldStart('bare', dropCa);
    const g = await coldStart('gateway', dropCa);
    out.bare.push(b.wall);
    out.bareCpu.push(b.cpu);
    out.gw.push(g.wall);
    out.gwCpu.push(g.cpu);
  }
  return out;
}

function startNote(s: Starts, codeCache: string): string {
  const cpu = Number.isFinite(median(s.gwCpu)) ? `; CPU used by then (all threads, median) ${fmt(median(s.gwCpu))} ms vs bare ${fmt(median(s.bareCpu))} ms` : '';
  return `spawn -> first 200, polling /healthz every 1 ms on a port chosen beforehand, warm page cache, ${codeCache}; min/max gateway ${fmt(Math.min(...s.gw))}/${fmt(Math.max(...s.gw))} ms, bare ${fmt(Math.min(...s.bare))}/${fmt(Math.max(...s.bare))} ms${cpu}`;
}

async function benchStart(): Promise<BenchRow[]> {
  // Node reads NODE_EXTRA_CA_CERTS while it boots, before any of our code: a big bundle (a
  // TLS-intercepting proxy's, say) costs every node start tens of ms. The target row is measured
  // with the environment as it is; where the variable is set, a second pair of columns without it
  // shows the start on a box that has none.
  const ca = process.env.NODE_EXTRA_CA_CERTS;
  log(`cold starts: ${COLD_STARTS}x bare node http, ${COLD_STARTS}x gateway (interleaved)${ca ? ', then the same without NODE_EXTRA_CA_CERTS' : ''}`);
  const codeCache = codeCacheState();
  const asIs = await coldStarts(false);
  const rows = [
    row(M.start, median(asIs.gw), 'ms', 150, '≤ 150 ms', median(asIs.bare), 'bare node http', `${startNote(asIs, codeCache)}${ca ? `; NODE_EXTRA_CA_CERTS=${ca} is set here, so every node start (both columns) first parses that CA bundle` : ''}`),
  ];
  if (ca) {
    const noCa = await coldStarts(true);
    rows.push({
      metric: M.startNoCa,
      value: median(noCa.gw),
      unit: 'ms',
      baseline: median(noCa.bare),
      baselineLabel: 'bare node http',
      note: `informational, as on a box without that variable: ${startNote(noCa, codeCache)}`,
    });
  }
  return rows;
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));

// ---------------------------------------------------------------------------------------------
// 2. Idle RSS

function statusKb(pid: number, field: string): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function descendants(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    let children: string[] = [];
    try {
      children = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    } catch {
      continue;
    }
    for (const c of children) out.push(Number(c), ...descendants(Number(c)));
  }
  return out;
}

async function benchRss(): Promise<BenchRow> {
  if (!fs.existsSync('/proc/self/status')) return skippedRow(M.rss, 'MB', 'no /proc on this system', '≤ 60 MB');
  log(`idle RSS: gateway and bare node http side by side, read ${IDLE_WAIT_MS / 1000} s after spawn`);
  const [gwPort, barePort] = [await freePort(), await freePort()];
  const gw = spawnGatewayOn(gwPort);
  const bare = spawnBare(BARE_HTTP, barePort);
  try {
    await Promise.all([timeToFirst200(gw), timeToFirst200(bare)]);
    const readAt = async (s: Spawned) => {
      await new Promise((r) => setTimeout(r, Math.max(0, s.t0 + IDLE_WAIT_MS - performance.now())));
      const kb = statusKb(s.proc.pid!, 'VmRSS');
      const kids = descendants(s.proc.pid!);
      const kidsKb = kids.reduce((sum, pid) => sum + (statusKb(pid, 'VmRSS') ?? 0), 0);
      return { mb: (kb ?? Number.NaN) / 1024, kids: kids.length, kidsMb: kidsKb / 1024, hwmMb: (statusKb(s.proc.pid!, 'VmHWM') ?? Number.NaN) / 1024 };
    };
    const [g, b] = await Promise.all([readAt(gw), readAt(bare)]);
    const note = `VmRSS of the gateway pid from /proc; ${g.kids ? `${g.kids} child processes, +${g.kidsMb.toFixed(1)} MB` : 'no child processes'}; peak (VmHWM) ${g.hwmMb.toFixed(1)} MB`;
    return row(M.rss, g.mb, 'MB', 60, '≤ 60 MB', b.mb, 'bare node http', note);
  } finally {
    await Promise.all([stop(gw.proc), stop(bare.proc)]);
  }
}

// ---------------------------------------------------------------------------------------------
// 3 + 4. RPC round trips and handshakes, gateway vs. a bare ws echo server in its own process

function waitFor(s: Spawned, pattern: RegExp, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}:\n${s.output()}`)), timeoutMs);
    const check = () => {
      if (pattern.test(s.output())) {
        clearTimeout(timer);
        s.proc.stderr!.off('data', check);
        resolve();
      }
    };
    s.proc.stderr!.on('data', check);
    s.proc.once('exit', (code) => reject(new Error(`exited with ${code}:\n${s.output()}`)));
    check();
  });
}

let nextId = 0;

/** One round trip on an open socket: send a frame, resolve with ms until the reply with its id. */
function roundTrip(ws: WebSocket, frame: (id: string) => string): Promise<number> {
  const id = `b${nextId++}`;
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      if ((JSON.parse(String(data)) as { id?: string }).id !== id) return;
      const dt = performance.now() - t;
      ws.off('message', onMessage);
      resolve(dt);
    };
    ws.on('message', onMessage);
    const t = performance.now();
    ws.send(frame(id));
  });
}

function openWs(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function closeWs(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    ws.once('close', () => resolve());
    ws.close(1000);
  });
}

const reqFrame = (id: string) => JSON.stringify({ type: 'req', id, method: 'health' });

/** One round trip of `text` over a plain TCP echo: resolve with ms until every byte came back. */
function tcpRoundTrip(socket: net.Socket, text: string): Promise<number> {
  return new Promise((resolve) => {
    let left = Buffer.byteLength(text);
    const onData = (d: Buffer) => {
      left -= d.length;
      if (left > 0) return;
      const dt = performance.now() - t;
      socket.off('data', onData);
      resolve(dt);
    };
    socket.on('data', onData);
    const t = performance.now();
    socket.write(text);
  });
}

function openTcp(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

async function benchWs(): Promise<BenchRow[]> {
  log(`RPC: ${RPC_WARMUP} warm-up + ${RPC_COUNT} timed health RPCs, same for bare ws echo; then ${HANDSHAKE_WARMUP} + ${HANDSHAKES} handshakes each`);
  const gw = spawnGatewayOn(await freePort());
  const bare = spawnBare(BARE_WS, await freePort());
  const tcp = spawnBare(BARE_TCP, await freePort());
  try {
    await Promise.all([waitFor(gw, /gateway\.listening/), waitFor(bare, /listening/), waitFor(tcp, /listening/)]);
    const gwUrl = `ws://127.0.0.1:${gw.port}/`;
    const bareUrl = `ws://127.0.0.1:${bare.port}/`;

    // Round trips. Samples alternate gateway / bare / GatewayClient so drift on the box (CPU
    // frequency, noisy neighbours) hits every column alike. On the raw connection the client's own
    // frame handling is switched off, so gateway and bare ws run the identical client loop.
    const raw = await GatewayClient.connect({ url: gwUrl, token: gw.token });
    raw.ws.removeAllListeners('message');
    const client = await GatewayClient.connect({ url: gwUrl, token: gw.token });
    const echo = await openWs(bareUrl);
    const plain = await openTcp(tcp.port);
    const gwRtt: number[] = [];
    const bareRtt: number[] = [];
    const tcpRtt: number[] = [];
    const viaClient: number[] = [];
    for (let i = 0; i < RPC_WARMUP + RPC_COUNT; i++) {
      const record = i >= RPC_WARMUP;
      const a = await roundTrip(raw.ws, reqFrame);
      const b = await roundTrip(echo, reqFrame);
      const f = await tcpRoundTrip(plain, reqFrame(`b${nextId++}`));
      // The same RPC through GatewayClient.request (uuid, timer, promise per call): what the CLI pays.
      const t = performance.now();
      await client.request('health');
      const c = performance.now() - t;
      if (record) {
        gwRtt.push(a);
        bareRtt.push(b);
        tcpRtt.push(f);
        viaClient.push(c);
      }
    }
    plain.destroy();
    await Promise.all([raw.close(), client.close(), closeWs(echo)]);

    // Handshakes: TCP + upgrade + challenge + connect + hello-ok, vs. TCP + upgrade + one echo.
    const gwHs: number[] = [];
    const bareHs: number[] = [];
    const oneGw = async (record: boolean) => {
      const t = performance.now();
      const c = await GatewayClient.connect({ url: gwUrl, token: gw.token });
      const dt = performance.now() - t;
      await c.close();
      if (record) gwHs.push(dt);
    };
    const oneBare = async (record: boolean) => {
      const t = performance.now();
      const ws = await openWs(bareUrl);
      await roundTrip(ws, reqFrame);
      const dt = performance.now() - t;
      await closeWs(ws);
      if (record) bareHs.push(dt);
    };
    const tcpHs: number[] = [];
    const oneTcp = async (record: boolean) => {
      const t = performance.now();
      const socket = await openTcp(tcp.port);
      await tcpRoundTrip(socket, reqFrame(`b${nextId++}`));
      const dt = performance.now() - t;
      socket.destroy();
      if (record) tcpHs.push(dt);
    };
    for (let i = 0; i < HANDSHAKE_WARMUP; i++) {
      await oneGw(false);
      await oneBare(false);
      await oneTcp(false);
    }
    for (let i = 0; i < HANDSHAKES; i++) {
      await oneGw(true);
      await oneBare(true);
      await oneTcp(true);
    }

    const rttNote = `raw {type:"req",method:"health"} frames on a connected, authenticated socket; baseline echoes the same frame over bare ws (separate process, perMessageDeflate off); ${RPC_WARMUP} warm-up round trips each, samples interleaved`;
    return [
      row(M.rpcP50, percentile(gwRtt, 50), 'ms', 0.2, '≤ 0.2 ms', percentile(bareRtt, 50), 'bare ws echo', rttNote),
      row(M.rpcP99, percentile(gwRtt, 99), 'ms', 1, '≤ 1 ms', percentile(bareRtt, 99), 'bare ws echo'),
      {
        metric: M.rpcClientP50,
        value: percentile(viaClient, 50),
        unit: 'ms',
        baseline: percentile(bareRtt, 50),
        baselineLabel: 'bare ws echo',
        note: `informational, no target: includes the client's uuid + timer + promise per call; p99 ${percentile(viaClient, 99).toFixed(3)} ms`,
      },
      row(M.handshake, median(gwHs), 'ms', 1, '≤ 1 ms', median(bareHs), 'bare ws open+echo', `GatewayClient.connect() until hello-ok, close not timed; p90 ${percentile(gwHs, 90).toFixed(3)} ms, bare p90 ${percentile(bareHs, 90).toFixed(3)} ms; ${HANDSHAKE_WARMUP} warm-up cycles each`),
      // What the box itself allows: no WebSocket, no JSON, the same bytes echoed by a plain node:net
      // server in its own process, interleaved with the rows above. A target below these is below
      // what any Node server reaches here.
      { metric: M.floorP50, value: percentile(tcpRtt, 50), unit: 'ms', note: 'informational: the same frame bytes over plain loopback TCP, sampled in the same loop as the RPC rows' },
      { metric: M.floorP99, value: percentile(tcpRtt, 99), unit: 'ms', note: `informational; slowest ${percentile(tcpRtt, 100).toFixed(2)} ms; round trips over 1 ms: gateway ${gwRtt.filter((x) => x > 1).length}, bare ws ${bareRtt.filter((x) => x > 1).length}, TCP ${tcpRtt.filter((x) => x > 1).length} of ${RPC_COUNT} each` },
      { metric: M.floorConnect, value: median(tcpHs), unit: 'ms', note: `informational: TCP connect and one echo of the frame, interleaved with the handshake rows; p90 ${percentile(tcpHs, 90).toFixed(3)} ms` },
    ];
  } finally {
    await Promise.all([stop(gw.proc), stop(bare.proc), stop(tcp.proc)]);
  }
}

// ---------------------------------------------------------------------------------------------
// Benchmarks that live in their own files (image size, sandbox exec, agent chat): each exports
// run(): Promise<BenchRow[]>. A missing engine or file becomes a "skipped" row, never a crash.

async function benchModule(file: string, metric: string, unit: string): Promise<BenchRow[]> {
  const full = path.join(path.dirname(fileURLToPath(import.meta.url)), `${file}.js`);
  if (!fs.existsSync(full)) return [skippedRow(metric, unit, `bench/${file}.ts not present`)];
  log(metric);
  try {
    const mod = (await import(pathToFileURL(full).href)) as { run?: () => Promise<BenchRow[]> };
    if (typeof mod.run !== 'function') return [skippedRow(metric, unit, `bench/${file}.ts exports no run()`)];
    return await mod.run();
  } catch (err) {
    return [skippedRow(metric, unit, ((err as Error).message ?? String(err)).split('\n')[0]!)];
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  if (!fs.existsSync(path.join(REPO, 'dist', 'runtime', 'cli', 'main.js'))) throw new Error('dist/ is missing: run npm run build');
  const started = performance.now();
  const load = os.loadavg()[0]!;
  const rows: BenchRow[] = [];
  const guard = async (metric: string, unit: string, fn: () => Promise<BenchRow | BenchRow[]>) => {
    try {
      const r = await fn();
      rows.push(...(Array.isArray(r) ? r : [r]));
    } catch (err) {
      rows.push({ metric, value: Number.NaN, unit, note: `skipped: error: ${String((err as Error).message ?? err).split('\n')[0]}` });
      log(`${metric} failed: ${(err as Error).stack ?? String(err)}`);
    }
  };
  // `npm run bench -- gateway sandbox` runs only those groups; no names = all of them.
  const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const want = (name: string) => only.length === 0 || only.includes(name);
  if (want('gateway')) {
    await guard(M.start, 'ms', benchStart);
    await guard(M.rss, 'MB', benchRss);
    await guard('websocket benchmarks', 'ms', benchWs);
  }
  if (want('image')) await guard('container image size', 'MB', () => benchModule('image-size', 'container image size', 'MB'));
  if (want('sandbox')) await guard('sandbox exec', 'ms', () => benchModule('sandbox-exec', 'sandbox exec', 'ms'));
  if (want('agent')) await guard('agent chat', 'ms', () => benchModule('agent-chat', 'agent chat', 'ms'));
  const elapsed = (performance.now() - started) / 1000;

  if (json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown cpu';
  process.stdout.write(
    `openclaw-kit bench — node ${process.versions.node}, ${os.platform()}/${os.arch()}, ${os.cpus().length} x ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; took ${elapsed.toFixed(1)} s\n` +
      `load average at start ${load.toFixed(2)}${load > os.cpus().length * 0.5 ? ' — WARNING: the box is busy, expect inflated times and tails' : ''}\n` +
      'ratio = value / baseline; both measured in this run on this machine.\n\n' +
      `${formatTable(rows, { reference: UPSTREAM })}\n`,
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
