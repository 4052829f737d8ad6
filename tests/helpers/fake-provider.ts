// A local model server for tests and benches that speaks the real streaming wire formats:
// OpenAI Chat Completions (POST /v1/chat/completions, `data: {...}` chunks, `data: [DONE]`) and
// Anthropic Messages (POST /v1/messages, `event:` + `data:` pairs). Each request takes the next
// scripted reply (or asks `respond`), and every request body is recorded for assertions.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Reply =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
  | {
      kind: 'sse';
      frames: string[];
      spacingMs?: number;
      /** destroy the socket after this many frames */
      dropAfter?: number;
      /** Called right after frame `index` was handed to the socket (benches stamp write times here). */
      onWrite?: (index: number) => void;
    };

export interface RecordedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
  at: number;
}

export interface FakeProvider {
  url: string;
  /** OpenAI-style base URL (`.../v1`). */
  openaiBase: string;
  /** Anthropic-style base URL (the client appends /v1/messages). */
  anthropicBase: string;
  requests: RecordedRequest[];
  queue: Reply[];
  respond: ((req: RecordedRequest) => Reply) | undefined;
  close(): Promise<void>;
}

export async function startFakeProvider(respond?: (req: RecordedRequest) => Reply): Promise<FakeProvider> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const fake: FakeProvider = { url: '', openaiBase: '', anthropicBase: '', requests, queue: [], respond, close: async () => {} };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (raw += d));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        // leave empty
      }
      const rec: RecordedRequest = { path: req.url ?? '', headers: req.headers, body, at: Date.now() };
      requests.push(rec);
      const reply = fake.queue.shift() ?? fake.respond?.(rec) ?? { kind: 'status', status: 500, body: { error: { message: 'fake provider: no scripted reply left' } } };
      if (reply.kind === 'status') {
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(JSON.stringify(reply.body ?? { error: { message: `fake status ${reply.status}`, type: 'fake' } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.flushHeaders();
      let i = 0;
      const next = () => {
        if (res.destroyed) return;
        if (reply.dropAfter !== undefined && i >= reply.dropAfter) {
          req.socket.destroy(); // the connection dies mid-stream, no terminating chunk
          return;
        }
        if (i >= reply.frames.length) {
          res.end();
          return;
        }
        res.write(reply.frames[i]);
        reply.onWrite?.(i);
        i++;
        if (reply.spacingMs) setTimeout(next, reply.spacingMs);
        else setImmediate(next);
      };
      next();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  fake.url = `http://127.0.0.1:${port}`;
  fake.openaiBase = `${fake.url}/v1`;
  fake.anthropicBase = fake.url;
  fake.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return fake;
}

// ---- OpenAI Chat Completions chunks ----

const oa = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1, model: 'fake', choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;

/** A text reply split into the given pieces, then finish_reason stop, a usage chunk and [DONE]. */
export function openaiText(pieces: string[], opts: { spacingMs?: number } = {}): Reply {
  return {
    kind: 'sse',
    frames: [
      oa({ role: 'assistant', content: '' }),
      ...pieces.map((p) => oa({ content: p })),
      oa({}, 'stop'),
      `data: ${JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 10, completion_tokens: pieces.length, total_tokens: 10 + pieces.length } })}\n\n`,
      'data: [DONE]\n\n',
    ],
    ...(opts.spacingMs ? { spacingMs: opts.spacingMs } : {}),
  };
}

/** One or more tool calls whose JSON arguments arrive split into `parts` fragments each. */
export function openaiToolCalls(calls: Array<{ id: string; name: string; args: Record<string, unknown> }>, parts = 3, leadText = ''): Reply {
  const frames = [oa({ role: 'assistant', content: leadText || null })];
  calls.forEach((c, index) => {
    const json = JSON.stringify(c.args);
    frames.push(oa({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }));
    const size = Math.ceil(json.length / parts);
    for (let i = 0; i < json.length; i += size) frames.push(oa({ tool_calls: [{ index, function: { arguments: json.slice(i, i + size) } }] }));
  });
  frames.push(oa({}, 'tool_calls'), 'data: [DONE]\n\n');
  return { kind: 'sse', frames };
}

// ---- Anthropic Messages events ----

const an = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

export function anthropicText(pieces: string[]): Reply {
  return {
    kind: 'sse',
    frames: [
      an('message_start', { message: { id: 'msg_fake', type: 'message', role: 'assistant', content: [], model: 'fake', stop_reason: null, usage: { input_tokens: 12, output_tokens: 1 } } }),
      an('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      an('ping', {}),
      ...pieces.map((p) => an('content_block_delta', { index: 0, delta: { type: 'text_delta', text: p } })),
      an('content_block_stop', { index: 0 }),
      an('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: pieces.length } }),
      an('message_stop', {}),
    ],
  };
}

export function anthropicToolUse(leadText: string, call: { id: string; name: string; args: Record<string, unknown> }, parts = 3): Reply {
  const json = JSON.stringify(call.args);
  const size = Math.ceil(json.length / parts);
  const deltas: string[] = [];
  for (let i = 0; i < json.length; i += size) deltas.push(an('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: json.slice(i, i + size) } }));
  return {
    kind: 'sse',
    frames: [
      an('message_start', { message: { id: 'msg_fake', type: 'message', role: 'assistant', content: [], model: 'fake', usage: { input_tokens: 20, output_tokens: 1 } } }),
      an('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      an('content_block_delta', { index: 0, delta: { type: 'text_delta', text: leadText } }),
      an('content_block_stop', { index: 0 }),
      an('content_block_start', { index: 1, content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} } }),
      an('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '' } }),
      ...deltas,
      an('content_block_stop', { index: 1 }),
      an('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 30 } }),
      an('message_stop', {}),
    ],
  };
}
