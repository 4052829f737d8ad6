// Single-instance lock: a unix socket at <state>/gateway.lock, listened on by the running gateway.
// Liveness is "does something answer on it", which the kernel decides: when the process dies, for
// any reason (kill -9, OOM, container restart), connecting is refused at once. No PIDs are trusted,
// so a restarted container whose gateway is PID 1 again can never be blocked by its own ghost.
//
// Taking the lock is atomic: we listen on a private temp path and hard-link it to the lock path,
// which fails if anything is there. A stale socket is removed only under a short kernel-held mutex
// (an abstract socket) after re-checking it is the same dead inode, so two starters never both win.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { nodeCrypto } from '../../lib/cjs.js';
import { EXIT, OpenclawError } from '../../lib/errors.js';

export interface LockOwner {
  pid: number;
  port: number | null;
  hosts: string[];
  startedAt: string;
  stateDir: string;
  version: string;
}

export type LockState = { state: 'free' } | { state: 'stale'; ino: number } | { state: 'held'; owner: LockOwner | null };

const MAX_SOCKET_PATH = 107; // sun_path is 108 bytes including the NUL

export class AlreadyRunningError extends OpenclawError {
  constructor(readonly owner: LockOwner | null, lockPath: string) {
    const who = owner ? `pid ${owner.pid}, port ${owner.port ?? 'not listening yet'}` : 'owner not answering';
    super(`gateway already running (${who})`, {
      exitCode: EXIT.CONFIG,
      code: 'ALREADY_RUNNING',
      hint: `lock ${lockPath}; stop it first, or use another OPENCLAW_STATE_DIR for a second gateway`,
    });
  }
}

export class GatewayLock {
  private released = false;
  constructor(
    readonly path: string,
    private readonly server: net.Server,
    private readonly ino: number | undefined,
    private owner: LockOwner,
  ) {}

  update(owner: Partial<LockOwner>): void {
    this.owner = { ...this.owner, ...owner };
  }

  get info(): LockOwner {
    return this.owner;
  }

  /** Drop the lock; removes the socket file only if it is still ours. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.ino !== undefined) {
      try {
        if (fs.statSync(this.path).ino === this.ino) fs.unlinkSync(this.path);
      } catch {
        // already gone
      }
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** @internal the answer every prober gets */
  describe(): string {
    return JSON.stringify(this.owner) + '\n';
  }
}

/** Ask whoever holds the lock who they are. */
export function probeLock(lockPath: string, timeoutMs = 1000): Promise<LockState> {
  return new Promise((resolve, reject) => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(lockPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return resolve({ state: 'free' });
      return reject(err);
    }
    if (!st.isSocket()) return resolve({ state: 'stale', ino: st.ino }); // a leftover or forged file
    const socket = net.connect(lockPath);
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ state: 'held', owner: null }); // alive but stuck (e.g. SIGSTOP): still the owner
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('end', () => {
      clearTimeout(timer);
      resolve({ state: 'held', owner: parseOwner(data) });
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code === 'ECONNREFUSED' || err.code === 'ENOENT') resolve(err.code === 'ENOENT' ? { state: 'free' } : { state: 'stale', ino: st.ino });
      else if (data) resolve({ state: 'held', owner: parseOwner(data) });
      else reject(new OpenclawError(`lock ${lockPath}: cannot probe: ${err.code ?? err.message}`, { hint: 'check ownership and permissions of the state dir' }));
    });
  });
}

function parseOwner(text: string): LockOwner | null {
  try {
    return JSON.parse(text.trim()) as LockOwner;
  } catch {
    return null;
  }
}

export async function acquireLock(lockPath: string, owner: LockOwner): Promise<GatewayLock> {
  if (Buffer.byteLength(lockPath) > MAX_SOCKET_PATH) {
    throw new OpenclawError(`lock ${lockPath}: path is longer than ${MAX_SOCKET_PATH} bytes, too long for a unix socket`, {
      exitCode: EXIT.CONFIG,
      hint: 'set OPENCLAW_STATE_DIR to a shorter path',
    });
  }
  let lock: GatewayLock | undefined;
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.end(lock ? lock.describe() : '{}\n');
  });
  server.on('error', () => {});
  // Unique among starters (pid) and against a crashed one's leftover (random part); it needs no
  // unpredictability, so Math.random rather than loading node:crypto on every start.
  const tmp = path.join(path.dirname(lockPath), `.gateway.lock.${process.pid}.${Math.random().toString(36).slice(2, 10)}`);
  await listen(server, tmp);
  try {
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        fs.linkSync(tmp, lockPath);
        const ino = fs.statSync(lockPath).ino;
        lock = new GatewayLock(lockPath, server, ino, owner);
        return lock;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const state = await probeLock(lockPath);
      if (state.state === 'held') throw new AlreadyRunningError(state.owner, lockPath);
      if (state.state === 'stale') await withMutex(lockPath, async () => reclaimIfStale(lockPath, state.ino));
    }
    throw new OpenclawError(`lock ${lockPath}: could not take the lock after 10 attempts`, { exitCode: EXIT.CONFIG, hint: 'another gateway may be starting; try again' });
  } catch (err) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

async function reclaimIfStale(lockPath: string, ino: number): Promise<void> {
  const again = await probeLock(lockPath);
  if (again.state === 'stale' && again.ino === ino) fs.rmSync(lockPath, { force: true });
}

function listen(server: net.Server, at: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(
        new OpenclawError(`lock ${at}: cannot create a unix socket in the state dir: ${err.code ?? err.message}`, {
          exitCode: EXIT.CONFIG,
          hint: 'the state dir must be on a local filesystem writable by the gateway user',
        }),
      );
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(at);
  });
}

/**
 * A kernel-held mutex around stale-lock removal. Abstract unix sockets exist only on Linux and are
 * per network namespace; elsewhere the reclaim runs unguarded, which only matters for two
 * gateways starting in the same millisecond after a crash.
 */
async function withMutex(lockPath: string, fn: () => Promise<void>): Promise<void> {
  if (process.platform !== 'linux') return fn();
  const name = `\0openclaw-lock-reclaim-${nodeCrypto().createHash('sha256').update(lockPath).digest('hex').slice(0, 24)}`;
  const mutex = net.createServer();
  for (let i = 0; i < 200; i++) {
    const got = await new Promise<boolean>((resolve) => {
      mutex.once('error', () => resolve(false));
      mutex.listen(name, () => resolve(true));
    });
    if (got) {
      try {
        return await fn();
      } finally {
        mutex.close();
      }
    }
    await new Promise((r) => setTimeout(r, 10)); // another process is mid-reclaim: a few ms at most
  }
  throw new OpenclawError(`lock ${lockPath}: another process holds the reclaim mutex`, { exitCode: EXIT.CONFIG, hint: 'try again' });
}
