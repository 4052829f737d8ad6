// The agent bench's baseline: the least a Node process can do to relay model streams to WS
// clients. It takes `chat.send` requests in the gateway's frame shape (no handshake, no auth, no
// sessions, no agent loop), POSTs to the model server over node:http, splits the SSE, parses each
// chunk's JSON, and sends the text as `chat` delta events, every run's text from one event-loop
// turn together and each socket written once per turn. Whatever the gateway costs beyond this is
// the gateway's own overhead; whatever this costs is the box.
// Prints `{"url": ...}` on stdout once listening; exits when stdin closes.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

interface Run {
  runId: string;
  sessionKey: string;
  ws: WebSocket;
  seq: number;
  pending: string;
}

export async function main(upstream: string): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  let dirty: Run[] = [];
  const flush = () => {
    const runs = dirty;
    dirty = [];
    const sockets = new Set<{ cork(): void; uncork(): void }>();
    for (const r of runs) {
      const socket = (r.ws as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
      if (!sockets.has(socket)) sockets.add(socket), socket.cork();
      r.ws.send(JSON.stringify({ type: 'event', event: 'chat', payload: { runId: r.runId, sessionKey: r.sessionKey, seq: ++r.seq, state: 'delta', delta: r.pending } }));
      r.pending = '';
    }
    for (const s of sockets) s.uncork();
  };
  const relay = (run: Run) => {
    const req = http.request(`${upstream}/chat/completions`, { method: 'POST', agent, headers: { 'content-type': 'application/json', accept: 'text/event-stream' } }, (res) => {
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk: string) => {
        buf += chunk;
        let start = 0;
        let end: number;
        while ((end = buf.indexOf('\n\n', start)) >= 0) {
          const line = buf.slice(start, end);
          start = end + 2;
          if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
          const text = (JSON.parse(line.slice(6)) as { choices: Array<{ delta?: { content?: string } }> }).choices[0]?.delta?.content;
          if (!text) continue;
          if (!run.pending && dirty.push(run) === 1) setImmediate(flush);
          run.pending += text;
        }
        buf = buf.slice(start);
      });
      res.on('end', () => {
        if (run.pending) flush();
        run.ws.send(JSON.stringify({ type: 'event', event: 'chat', payload: { runId: run.runId, sessionKey: run.sessionKey, seq: ++run.seq, state: 'final' } }));
      });
    });
    req.end(JSON.stringify({ model: 'bench', stream: true, messages: [{ role: 'user', content: 'go' }] }));
  };
  let runs = 0;
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { id: string; method: string; params: { sessionKey: string } };
      const run: Run = { runId: `run-${++runs}`, sessionKey: frame.params.sessionKey, ws, seq: 0, pending: '' };
      ws.send(JSON.stringify({ type: 'res', id: frame.id, ok: true, payload: { runId: run.runId, status: 'started' } }));
      relay(run);
    });
  });
  await new Promise<void>((r) => wss.on('listening', r));
  const { port } = wss.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `ws://127.0.0.1:${port}` })}\n`);
  process.stdin.on('end', () => process.exit(0)).resume();
}

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv[2]!);
