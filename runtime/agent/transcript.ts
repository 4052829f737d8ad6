// Sessions on disk: `<state>/agents/<agentId>/sessions/<sessionId>.jsonl`, append-only, one JSON
// record per line, the first line a `session` header naming the session key. An append resolves
// only after fdatasync, so an acknowledged record survives kill -9 and power loss. Writers to one
// file are serialized through a queue that commits everything waiting in one write + one sync.
// A crash mid-write leaves at most a torn last line: load ignores it, and the next append cuts it
// off first so new records never glue onto a fragment.
import { randomUUID } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir } from '../../lib/fsutil.js';
import type { Message } from './types.js';

export interface SessionHeader {
  type: 'session';
  version: 1;
  id: string;
  sessionKey: string;
  agentId: string;
  ts: number;
}
export interface MessageRecord {
  type: 'message';
  id: string;
  ts: number;
  runId?: string;
  message: Message;
}
/** Something that happened in a run that is not a model-visible message (a failed attempt, an abort). */
export interface EventRecord {
  type: 'event';
  id: string;
  ts: number;
  runId?: string;
  kind: string;
  [key: string]: unknown;
}
export type TranscriptRecord = SessionHeader | MessageRecord | EventRecord;

export interface SessionInfo {
  sessionKey: string;
  sessionId: string;
  agentId: string;
  file: string;
  createdAt: number;
  updatedAt: number;
  title?: string;
}

export interface LoadedSession {
  info: SessionInfo;
  records: TranscriptRecord[];
  /** Bytes of an incomplete last line that were ignored (a crash mid-append). */
  tornBytes: number;
  /** Complete lines that were not valid JSON (should never happen; skipped, not fatal). */
  badLines: number;
}

const FILE_MODE = 0o600;
/** Transcript text kept in memory across all mirrored sessions (UTF-16 length, close enough). */
const MIRROR_BYTES = 16 * 1024 * 1024;

/** How long a session's file stays open after its last append (a chat's messages come in bursts). */
const IDLE_CLOSE_MS = 10_000;
/** Open transcript files kept at most; the least recently used idle ones close first. */
const MAX_OPEN = 128;

class AppendQueue {
  private queue: Array<{ data: string; resolve: () => void; reject: (e: Error) => void }> = [];
  private writing = false;
  private repaired = false;
  private handle: fs.FileHandle | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly file: string,
    private readonly onClosed: (q: AppendQueue) => void,
  ) {}

  append(data: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ data, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  get idle(): boolean {
    return !this.writing && this.queue.length === 0;
  }

  /** Close the file now if nothing is waiting to be written; the next append reopens it. */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    if (!this.idle) return;
    const h = this.handle;
    this.handle = undefined;
    this.onClosed(this);
    await h?.close().catch(() => {});
  }

  private async drain(): Promise<void> {
    this.writing = true;
    clearTimeout(this.idleTimer);
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        try {
          this.handle ??= await fs.open(this.file, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT, FILE_MODE);
          if (!this.repaired) {
            await cutTornTail(this.handle);
            this.repaired = true;
          }
          await this.handle.appendFile(batch.map((b) => b.data).join(''));
          await this.handle.datasync();
          for (const b of batch) b.resolve();
        } catch (err) {
          this.repaired = false; // a failed write may have left a fragment
          await this.handle?.close().catch(() => {});
          this.handle = undefined;
          for (const b of batch) b.reject(err as Error);
        }
      }
    } finally {
      this.writing = false;
      if (this.queue.length > 0) void this.drain();
      else {
        // The file stays open for the session's next message; an idle one is closed later.
        this.idleTimer = setTimeout(() => void this.close(), IDLE_CLOSE_MS);
        this.idleTimer.unref();
      }
    }
  }
}

/** Truncate anything after the last newline: an append that never completed, so never acknowledged. */
async function cutTornTail(handle: fs.FileHandle): Promise<number> {
  const { size } = await handle.stat();
  if (size === 0) return 0;
  const chunk = Buffer.alloc(Math.min(size, 64 * 1024));
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const nl = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (nl >= 0) {
      const keep = start + nl + 1;
      if (keep < size) await handle.truncate(keep);
      return size - keep;
    }
    end = start;
  }
  await handle.truncate(0);
  return size;
}

async function syncDir(dir: string): Promise<void> {
  const h = await fs.open(dir, constants.O_RDONLY).catch(() => undefined);
  await h?.sync().catch(() => {});
  await h?.close();
}

export function parseRecords(text: string): { records: TranscriptRecord[]; tornBytes: number; badLines: number } {
  const records: TranscriptRecord[] = [];
  let badLines = 0;
  const lastNl = text.lastIndexOf('\n');
  const tornBytes = Buffer.byteLength(text.slice(lastNl + 1));
  for (const line of text.slice(0, lastNl + 1).split('\n')) {
    if (!line) continue;
    try {
      records.push(JSON.parse(line) as TranscriptRecord);
    } catch {
      badLines++;
    }
  }
  return { records, tornBytes, badLines };
}

export function titleOf(records: TranscriptRecord[]): string | undefined {
  for (const r of records) {
    if (r.type === 'message' && r.message.role === 'user') {
      const text = r.message.content.map((b) => b.text).join(' ').replace(/\s+/g, ' ').trim();
      return text.length > 80 ? `${text.slice(0, 77)}...` : text;
    }
  }
  return undefined;
}

/** A record as callers hand it in: the store gives it an id and a timestamp. */
export type NewRecord = Omit<MessageRecord, 'id' | 'ts'> | Omit<EventRecord, 'id' | 'ts'>;

function stamp(records: NewRecord[], now: number): TranscriptRecord[] {
  return records.map((r) => ({ ...r, id: randomUUID(), ts: now }) as TranscriptRecord);
}

export class SessionStore {
  /** Append queues by file, least recently used first. */
  private readonly queues = new Map<string, AppendQueue>();
  /**
   * The records of recently used sessions as they are on disk, so a chat's next turn does not
   * re-read and re-parse its whole transcript: filled by a load or a session's creation, extended
   * by every append that reached the disk. Least recently used first; bounded by MIRROR_BYTES.
   */
  private readonly mirrors = new Map<string, { records: TranscriptRecord[]; bytes: number }>();
  private mirrorBytes = 0;
  /** Appends that reached each file in this process: a load mirrors its read only if none landed meanwhile. */
  private readonly appendCount = new Map<string, number>();
  private readonly indexes = new Map<string, Promise<Map<string, SessionInfo>>>();
  private readonly creating = new Map<string, Promise<SessionInfo>>();

  constructor(readonly stateDir: string) {}

  dirFor(agentId: string): string {
    return path.join(this.stateDir, 'agents', agentId, 'sessions');
  }

  /** sessionKey -> session, built once per agent by reading each file's first lines. */
  private index(agentId: string): Promise<Map<string, SessionInfo>> {
    let p = this.indexes.get(agentId);
    if (!p) {
      p = this.scan(agentId);
      this.indexes.set(agentId, p);
      p.catch(() => this.indexes.delete(agentId));
    }
    return p;
  }

  private async scan(agentId: string): Promise<Map<string, SessionInfo>> {
    const dir = this.dirFor(agentId);
    const map = new Map<string, SessionInfo>();
    let names: string[];
    try {
      names = (await fs.readdir(dir)).filter((n) => n.endsWith('.jsonl'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return map;
      throw err;
    }
    await Promise.all(
      names.map(async (name) => {
        const file = path.join(dir, name);
        const h = await fs.open(file, 'r');
        try {
          const buf = Buffer.alloc(8192);
          const { bytesRead } = await h.read(buf, 0, buf.length, 0);
          const { records } = parseRecords(buf.subarray(0, bytesRead).toString('utf8'));
          const header = records[0];
          if (!header || header.type !== 'session') return; // empty or foreign file: not ours
          const st = await h.stat();
          const info: SessionInfo = { sessionKey: header.sessionKey, sessionId: header.id, agentId, file, createdAt: header.ts, updatedAt: st.mtimeMs };
          const title = titleOf(records);
          if (title) info.title = title;
          const prev = map.get(header.sessionKey);
          if (!prev || prev.updatedAt < info.updatedAt) map.set(header.sessionKey, info);
        } finally {
          await h.close();
        }
      }),
    );
    return map;
  }

  async find(agentId: string, sessionKey: string): Promise<SessionInfo | undefined> {
    return (await this.index(agentId)).get(sessionKey);
  }

  async list(agentId: string): Promise<SessionInfo[]> {
    return [...(await this.index(agentId)).values()].sort((a, b) => b.updatedAt - a.updatedAt);
  }

  /** The session for a key, created (header written and synced) when it does not exist yet. */
  async open(agentId: string, sessionKey: string): Promise<SessionInfo> {
    return (await this.openAndAppend(agentId, sessionKey, [])).info;
  }

  /**
   * Append records to the session for a key, creating it first when needed. A new session gets
   * its header and these records in one write and one sync (a chat's first message costs one
   * fdatasync, not two). Resolves once everything is on disk.
   */
  async openAndAppend(agentId: string, sessionKey: string, records: NewRecord[]): Promise<{ info: SessionInfo; written: TranscriptRecord[] }> {
    const existing = await this.find(agentId, sessionKey);
    const k = `${agentId}\n${sessionKey}`;
    const pending = existing ? undefined : this.creating.get(k);
    if (existing || pending) {
      const info = existing ?? (await pending!);
      return { info, written: records.length ? await this.append(info, records) : [] };
    }
    let written: TranscriptRecord[] = [];
    const p = (async () => {
      const dir = this.dirFor(agentId);
      await ensurePrivateDir(dir);
      const sessionId = randomUUID();
      const now = Date.now();
      const info: SessionInfo = { sessionKey, sessionId, agentId, file: path.join(dir, `${sessionId}.jsonl`), createdAt: now, updatedAt: now };
      const header: SessionHeader = { type: 'session', version: 1, id: sessionId, sessionKey, agentId, ts: now };
      written = stamp(records, now);
      const text = [header, ...written].map((r) => JSON.stringify(r) + '\n').join('');
      await this.queue(info.file).append(text);
      this.mirror(info.file, [header, ...written], text.length, false);
      await syncDir(dir); // the new name is durable too, not only its bytes
      const title = titleOf(written);
      if (title) info.title = title;
      (await this.index(agentId)).set(sessionKey, info);
      return info;
    })();
    this.creating.set(k, p);
    p.finally(() => this.creating.delete(k)).catch(() => {});
    return { info: await p, written };
  }

  private queue(file: string): AppendQueue {
    let q = this.queues.get(file);
    if (q) this.queues.delete(file); // re-inserted last: most recently used
    else q = new AppendQueue(file, (closed) => this.queues.get(file) === closed && this.queues.delete(file));
    this.queues.set(file, q);
    if (this.queues.size > MAX_OPEN) {
      for (const other of this.queues.values()) {
        if (this.queues.size <= MAX_OPEN) break;
        if (other !== q && other.idle) void other.close();
      }
    }
    return q;
  }

  private mirror(file: string, records: TranscriptRecord[], bytes: number, extend: boolean): void {
    const prev = this.mirrors.get(file);
    if (extend && !prev) return; // nothing mirrored: the next load reads the file
    if (prev) {
      this.mirrors.delete(file);
      this.mirrorBytes -= prev.bytes;
    }
    const entry = extend && prev ? { records: prev.records.concat(records), bytes: prev.bytes + bytes } : { records, bytes };
    if (entry.bytes > MIRROR_BYTES / 4) return; // a huge transcript is read from disk each time
    this.mirrors.set(file, entry);
    this.mirrorBytes += entry.bytes;
    for (const [f, m] of this.mirrors) {
      if (this.mirrorBytes <= MIRROR_BYTES) break;
      this.mirrors.delete(f);
      this.mirrorBytes -= m.bytes;
    }
  }

  /** Close every open transcript file (the gateway is stopping). */
  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }

  /** Append records; resolves once they are on disk. */
  async append(info: SessionInfo, records: NewRecord[]): Promise<TranscriptRecord[]> {
    const now = Date.now();
    const full = stamp(records, now);
    const text = full.map((r) => JSON.stringify(r) + '\n').join('');
    try {
      await this.queue(info.file).append(text);
    } catch (err) {
      this.forget(info.file); // what is on disk now is unknown: the next load reads it
      throw err;
    }
    this.appendCount.set(info.file, (this.appendCount.get(info.file) ?? 0) + 1);
    this.mirror(info.file, full, text.length, true);
    info.updatedAt = now;
    if (!info.title) {
      const title = titleOf(full);
      if (title) info.title = title;
    }
    return full;
  }

  async load(info: SessionInfo): Promise<LoadedSession> {
    const mirrored = this.mirrors.get(info.file);
    if (mirrored) {
      this.mirrors.delete(info.file); // re-inserted last: most recently used
      this.mirrors.set(info.file, mirrored);
      return { info, records: mirrored.records.slice(), tornBytes: 0, badLines: 0 };
    }
    const before = this.appendCount.get(info.file) ?? 0;
    let text = '';
    try {
      text = await fs.readFile(info.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const loaded = { info, ...parseRecords(text) };
    // Mirror only a clean read that no append raced with (it might hold half of one, or miss it).
    const raced = (this.appendCount.get(info.file) ?? 0) !== before || !(this.queues.get(info.file)?.idle ?? true);
    if (!raced && loaded.tornBytes === 0 && loaded.badLines === 0) this.mirror(info.file, loaded.records.slice(), text.length, false);
    return loaded;
  }

  private forget(file: string): void {
    const m = this.mirrors.get(file);
    if (!m) return;
    this.mirrors.delete(file);
    this.mirrorBytes -= m.bytes;
  }
}

export function messagesOf(records: TranscriptRecord[]): Message[] {
  const out: Message[] = [];
  for (const r of records) if (r.type === 'message') out.push(r.message);
  return out;
}
