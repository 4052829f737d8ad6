// `<state>/sandbox/containers.json`: what we created, when it was last used, and the config hash it
// was created with. Written atomically (temp + rename); a damaged file is set aside, not trusted.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir, readFileIfExists, writeFileAtomic } from '../../lib/fsutil.js';

export interface RegistryEntry {
  name: string;
  backend: string;
  scopeKey: string;
  agentId: string;
  image: string;
  configHash: string;
  createdAtMs: number;
  lastUsedAtMs: number;
  /** Set when a config change was deferred by the hot rule: `sandbox list` shows "recreate pending". */
  pendingHash?: string;
}

interface RegistryFile {
  version: 1;
  lastPruneAtMs: number;
  entries: Record<string, RegistryEntry>;
}

export class Registry {
  private queue: Promise<unknown> = Promise.resolve();
  constructor(readonly file: string) {}

  static at(stateDir: string): Registry {
    return new Registry(path.join(stateDir, 'sandbox', 'containers.json'));
  }

  async read(): Promise<RegistryFile> {
    const text = await readFileIfExists(this.file);
    if (text === undefined) return { version: 1, lastPruneAtMs: 0, entries: {} };
    try {
      const v = JSON.parse(text) as RegistryFile;
      if (v && v.version === 1 && typeof v.entries === 'object') return v;
    } catch {
      /* fall through */
    }
    await fs.rename(this.file, `${this.file}.corrupt-${Date.now()}`).catch(() => {});
    return { version: 1, lastPruneAtMs: 0, entries: {} };
  }

  /** Read-modify-write, serialized within this process. */
  update<T>(fn: (r: RegistryFile) => T): Promise<T> {
    const next = this.queue.then(async () => {
      const r = await this.read();
      const out = fn(r);
      await ensurePrivateDir(path.dirname(this.file));
      await writeFileAtomic(this.file, JSON.stringify(r, null, 2) + '\n');
      return out;
    });
    this.queue = next.catch(() => {});
    return next;
  }

  async get(name: string): Promise<RegistryEntry | undefined> {
    return (await this.read()).entries[name];
  }
}
