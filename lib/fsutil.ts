// File writes that never leave half a file behind, and directories with private modes.
import { chmodSync, constants, mkdirSync, promises as fs, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { nodeCrypto } from './cjs.js';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Create `dir` (and parents) with mode 0700; tighten an existing dir we own if it is looser. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const st = await fs.stat(dir);
  if ((st.mode & 0o077) !== 0 && typeof process.getuid === 'function' && st.uid === process.getuid()) {
    await fs.chmod(dir, PRIVATE_DIR_MODE);
  }
}

/**
 * ensurePrivateDir for the gateway's start, where nothing else is waiting: two syscalls, without the
 * thread-pool round trips and (on a fresh process) the fs/promises load of the async version.
 */
export function ensurePrivateDirSync(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const st = statSync(dir);
  if ((st.mode & 0o077) !== 0 && typeof process.getuid === 'function' && st.uid === process.getuid()) {
    chmodSync(dir, PRIVATE_DIR_MODE);
  }
}

export interface AtomicWriteOptions {
  mode?: number;
  /** Copy the current file to `<file>.bak` (same mode) before replacing it. */
  backup?: boolean;
}

/**
 * Write via temp file + fsync + rename + directory fsync, so a crash leaves either the old file or
 * the new one. The temp file is created with the final mode, so a secret is never briefly readable.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const mode = options.mode ?? PRIVATE_FILE_MODE;
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${nodeCrypto().randomBytes(4).toString('hex')}.tmp`);
  if (options.backup) await backupFile(file, mode);
  const handle = await fs.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    await handle.writeFile(data);
    await handle.chmod(mode); // umask may have narrowed or (never) widened the create mode
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await syncDir(dir);
}

async function backupFile(file: string, mode: number): Promise<void> {
  let current: Buffer;
  try {
    current = await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  await writeFileAtomic(`${file}.bak`, current, { mode });
}

async function syncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, constants.O_RDONLY);
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
  } finally {
    await handle?.close();
  }
}

export async function readFileIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * readFileIfExists for small files read once at start (.env, openclaw.json): one blocking read costs
 * microseconds; the async one costs four thread-pool round trips (open, fstat, read, close).
 */
export function readFileIfExistsSync(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
