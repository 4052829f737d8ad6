// The agent bench's model server, in a process of its own: OpenAI Chat Completions streaming as
// HTTP/1.1 chunked SSE, one token per stream per tick of a single shared 1 ms clock (not one
// timer per stream, so the server's own cost stays small next to what it measures).
// Every token carries the time it was written, on CLOCK_MONOTONIC (process.hrtime, the same clock
// in every process on the box), as `@<stream>.<index>.<µs>| `: the measuring client reads the
// stamp back out of whatever delivered the token, so nothing is paired across processes by hand.
// Prints `{"openaiBase": ...}` on stdout once listening; exits when stdin closes.
import net, { type AddressInfo } from 'node:net';

export const TOKENS = 200;
export const SPACING_MS = 1;

/** CLOCK_MONOTONIC in µs: comparable across processes on one box. */
export function monoMicros(): number {
  const [s, ns] = process.hrtime();
  return s * 1e6 + ns / 1e3;
}

const PREFIX = 'data: {"id":"chatcmpl-fake","object":"chat.completion.chunk","created":1,"model":"fake","choices":[{"index":0,"delta":';
const frame = (delta: string, finish = 'null') => `${PREFIX}${delta},"finish_reason":${finish}}]}\n\n`;
const FIRST = frame('{"role":"assistant","content":""}');
const TAIL =
  frame('{}', '"stop"') +
  `data: ${JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 10, completion_tokens: TOKENS, total_tokens: 10 + TOKENS } })}\n\n` +
  'data: [DONE]\n\n';

interface Stream {
  sid: number;
  next: number;
  socket: net.Socket;
}

/** One HTTP/1.1 chunk: size in hex, CRLF, data, CRLF (the data here is ASCII: length = bytes). */
const chunk = (data: string) => `${data.length.toString(16)}\r\n${data}\r\n`;
const HEAD = 'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n';
const END = `${chunk(TAIL)}0\r\n\r\n`;

// A raw TCP server speaking just enough HTTP/1.1 (request head + content-length body, keep-alive,
// chunked response): node:http's response object defers each write to the next tick and splits
// it into four buffers, so its stamps would be early and its CPU would crowd the box; here every
// token is one write(2) on the socket, made right after its stamp.
export async function main(): Promise<void> {
  const live = new Set<Stream>();
  let streams = 0;
  let clock: NodeJS.Timeout | undefined;
  const tick = () => {
    for (const s of live) {
      if (s.socket.destroyed) {
        live.delete(s);
        continue;
      }
      const i = s.next++;
      s.socket.write(chunk(frame(`{"content":"@${s.sid}.${i}.${Math.round(monoMicros())}| "}`)));
      if (s.next === TOKENS) {
        s.socket.write(END);
        live.delete(s);
      }
    }
    if (live.size === 0) {
      clearInterval(clock);
      clock = undefined;
    }
  };
  const server = net.createServer({ noDelay: true }, (socket) => {
    let buf = Buffer.alloc(0);
    socket.on('error', () => {});
    socket.on('data', (data: Buffer) => {
      buf = Buffer.concat([buf, data]);
      for (;;) {
        const headEnd = buf.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const head = buf.subarray(0, headEnd).toString('latin1');
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < headEnd + 4 + length) return;
        buf = buf.subarray(headEnd + 4 + length);
        if (!/^POST \S*\/chat\/completions /.test(head)) {
          socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
          return;
        }
        socket.write(HEAD + chunk(FIRST));
        live.add({ sid: streams++, next: 0, socket });
        clock ??= setInterval(tick, SPACING_MS);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ openaiBase: `http://127.0.0.1:${port}/v1` })}\n`);
  process.stdin.on('end', () => process.exit(0)).resume(); // the bench is gone: go too
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
