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

class AppendQueue {
  private queue: Array<{ data: string; resolve: () => void; reject: (e: Error) => void }> = [];
  private writing = false;
  private repaired = false;

  constructor(readonly file: string) {}

  append(data: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ data, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  get idle(): boolean {
    return !this.writing && this.queue.length === 0;
  }

  private async drain(): Promise<void> {
    this.writing = true;
    let handle: fs.FileHandle | undefined;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        try {
          handle ??= await fs.open(this.file, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT, FILE_MODE);
          if (!this.repaired) {
            await cutTornTail(handle);
            this.repaired = true;
          }
          await handle.appendFile(batch.map((b) => b.data).join(''));
          await handle.datasync();
          for (const b of batch) b.resolve();
        } catch (err) {
          this.repaired = false; // a failed write may have left a fragment
          await handle?.close().catch(() => {});
          handle = undefined;
          for (const b of batch) b.reject(err as Error);
        }
      }
    } finally {
      await handle?.close().catch(() => {});
      this.writing = false;
      if (this.queue.length > 0) void this.drain();
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
  private readonly queues = new Map<string, AppendQueue>();
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
      await this.queue(info.file).append([header, ...written].map((r) => JSON.stringify(r) + '\n').join(''));
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
    if (!q) this.queues.set(file, (q = new AppendQueue(file)));
    return q;
  }

  /** Append records; resolves once they are on disk. */
  async append(info: SessionInfo, records: NewRecord[]): Promise<TranscriptRecord[]> {
    const now = Date.now();
    const full = stamp(records, now);
    await this.queue(info.file).append(full.map((r) => JSON.stringify(r) + '\n').join(''));
    info.updatedAt = now;
    if (!info.title) {
      const title = titleOf(full);
      if (title) info.title = title;
    }
    const q = this.queues.get(info.file);
    if (q?.idle) this.queues.delete(info.file);
    return full;
  }

  async load(info: SessionInfo): Promise<LoadedSession> {
    let text = '';
    try {
      text = await fs.readFile(info.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return { info, ...parseRecords(text) };
  }
}

export function messagesOf(records: TranscriptRecord[]): Message[] {
  const out: Message[] = [];
  for (const r of records) if (r.type === 'message') out.push(r.message);
  return out;
}
