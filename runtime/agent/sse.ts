// Server-Sent Events from a response body: split on blank lines, join `data:` lines, keep `event:`.
// Works on bytes so a multi-byte character split across network chunks is decoded whole.
// SseParser is push-based: the providers feed it each network read from the socket's own 'data'
// callback and handle the events it completes right there, with no promise per chunk (at a token
// per millisecond per stream, the promise chain of an async iterator cost more than the parsing).

export interface SseEvent {
  event: string;
  data: string;
}

const CR = 13;
const COLON = 58;
const SPACE = 32;

export class SseParser {
  private readonly decoder = new TextDecoder();
  private buf = '';
  private event = '';
  private data: string[] = [];

  constructor(private readonly onEvent: (ev: SseEvent) => void) {}

  /** Feed the next bytes of the body; every event they complete goes to `onEvent`, in order. */
  push(bytes: Uint8Array): void {
    const buf = this.buf + this.decoder.decode(bytes, { stream: true });
    this.buf = '';
    let start = 0;
    let nl: number;
    try {
      // Lines are read in place (no re-slicing of the buffer per line); the rest is kept once.
      while ((nl = buf.indexOf('\n', start)) >= 0) {
        let end = nl;
        if (end > start && buf.charCodeAt(end - 1) === CR) end--;
        const lineStart = start;
        start = nl + 1;
        if (end === lineStart) {
          if (this.data.length > 0) this.onEvent(this.take());
          else this.event = '';
        } else if (buf.charCodeAt(lineStart) !== COLON) {
          // `field: value`, `field:value` or a bare `field`; a comment line (`: ...`) is skipped.
          let colon = buf.indexOf(':', lineStart);
          if (colon < 0 || colon > end) colon = end;
          const field = buf.slice(lineStart, colon);
          let from = colon < end ? colon + 1 : end;
          if (from < end && buf.charCodeAt(from) === SPACE) from++;
          if (field === 'data') this.data.push(buf.slice(from, end));
          else if (field === 'event') this.event = buf.slice(from, end);
        }
      }
    } finally {
      this.buf = start > 0 ? buf.slice(start) : buf;
    }
  }

  /** The body ended: an event that lacks its closing blank line is still delivered. */
  end(): void {
    if (this.data.length > 0) this.onEvent(this.take());
  }

  private take(): SseEvent {
    const ev = { event: this.event || 'message', data: this.data.length === 1 ? this.data[0]! : this.data.join('\n') };
    this.event = '';
    this.data = [];
    return ev;
  }
}

/** Pull-based reading for callers that hold a stream (tests, tools): one event at a time. */
export async function* readSse(body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const ready: SseEvent[] = [];
  const parser = new SseParser((ev) => ready.push(ev));
  const chunks: AsyncIterable<Uint8Array> = 'getReader' in body ? readerChunks(body) : body;
  for await (const chunk of chunks) {
    parser.push(chunk);
    yield* ready.splice(0);
  }
  parser.end();
  yield* ready.splice(0);
}

async function* readerChunks(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}
