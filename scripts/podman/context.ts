// What the Podman setup knows about the host and the target user, and how it acts as that user.
//
// Everything under the user's home is written *as the user* (runuser when we are root), never by
// root followed by chown, so a symlink planted in that home cannot redirect a root write.
import { promises as fs, constants } from 'node:fs';
import path from 'node:path';
import { OpenclawError } from '../../lib/errors.js';
import { mustRun, probe, type ExecOptions } from '../../lib/setup/exec.js';
import { action, type Action } from '../../lib/setup/step.js';

export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface Ctx {
  repo: string;
  mode: 'container' | 'quadlet';
  userName: string;
  /** undefined until the user exists (only under --dry-run after the user step). */
  account: Account | undefined;
  /** The target user is the invoking user: no runuser, no root needed. */
  self: boolean;
  euid: number;
  /** Test seam: prefix for /etc, /run, /sys, /var paths (empty in real use). */
  sysroot: string;
  dryRun: boolean;
  fixSubids: boolean;
  rebuild: boolean;
  image: string;
  containerName: string;
  gatewayPort: number;
  bridgePort: number;
  env: NodeJS.ProcessEnv;
  /** Set by the Quadlet step when the unit on disk is not the rendered one. */
  unitStale: boolean;
  /** Set when the unit was installed but systemd could not start it here. */
  notStarted: string | undefined;
  selinux: boolean;
  /** Build context of this run (files, build args and their hash), computed once. */
  imageContext?: { args: import('../../lib/image-build-args.js').BuildArg[]; files: string[]; hash: string };
}

export const USER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function sys(ctx: Pick<Ctx, 'sysroot'>, p: string): string {
  return ctx.sysroot ? path.join(ctx.sysroot, p) : p;
}

export async function lookupAccount(nameOrUid: string): Promise<Account | undefined> {
  const r = await probe(['getent', 'passwd', nameOrUid]);
  if (r.code === 2) return undefined; // key not found
  if (r.code !== 0) throw new OpenclawError(`getent passwd ${nameOrUid} failed: exit ${r.code}: ${r.stderr.trim()}`, { hint: 'check /etc/nsswitch.conf' });
  const f = r.stdout.trim().split('\n')[0]!.split(':');
  if (f.length < 7) throw new OpenclawError(`getent passwd ${nameOrUid}: unexpected answer '${r.stdout.trim()}'`);
  return { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]!, shell: f[6]! };
}

export function account(ctx: Ctx): Account {
  if (!ctx.account) throw new OpenclawError(`user ${ctx.userName} does not exist yet`, { hint: 'run without --dry-run to create it' });
  return ctx.account;
}

/** Is `uid` the target user? (Under the test sysroot, files made by the stubs belong to us.) */
export function owns(ctx: Ctx, uid: number): boolean {
  return uid === account(ctx).uid || (ctx.sysroot !== '' && uid === process.getuid?.());
}

export function runtimeDir(ctx: Ctx): string {
  return `/run/user/${account(ctx).uid}`;
}

/** argv that runs `argv` as the target user with a minimal, known environment. */
export function asUser(ctx: Ctx, argv: readonly string[], extraEnv: readonly string[] = []): string[] {
  const a = account(ctx);
  // Under the test sysroot keep our PATH, so the stubs stay in front.
  const env = [`HOME=${a.home}`, `USER=${a.name}`, `LOGNAME=${a.name}`, `PATH=${ctx.sysroot ? process.env.PATH : USER_PATH}`, `XDG_RUNTIME_DIR=${runtimeDir(ctx)}`, ...extraEnv];
  if (ctx.sysroot) for (const [k, v] of Object.entries(process.env)) if (k.startsWith('STUB_') || k === 'OPENCLAW_TEST_SYSROOT') env.push(`${k}=${v}`);
  if (ctx.self) return ['env', '-i', ...env, ...argv];
  return ['runuser', '-u', a.name, '--', 'env', '-i', ...env, ...argv];
}

export function runAsUser(ctx: Ctx, argv: readonly string[], opts: ExecOptions & { label?: string; hint?: string } = {}) {
  return mustRun(asUser(ctx, argv), opts);
}

// Write through a temp file in the same dir and rename (atomic), as the user. Paths are positional
// parameters of a fixed script; the content goes through stdin, never argv.
const WRITE_SH = 'umask 077; t=$(mktemp -- "$(dirname -- "$1")/.${1##*/}.XXXXXX") || exit 1; ' +
  'if cat >"$t" && chmod -- "$2" "$t" && mv -f -- "$t" "$1"; then exit 0; fi; rm -f -- "$t"; exit 1';

export function writeAsUser(ctx: Ctx, file: string, content: string, mode: number, text?: string): Action {
  const m = mode.toString(8).padStart(4, '0');
  return action(text ?? `write ${file} (mode ${m}, owner ${ctx.userName})`, async () => {
    await runAsUser(ctx, ['sh', '-c', WRITE_SH, 'sh', file, m], { input: content, label: `writing ${file} as ${ctx.userName}` });
  });
}

export function mkdirAsUser(ctx: Ctx, dir: string, mode = 0o700): Action {
  const m = mode.toString(8).padStart(4, '0');
  const argv = ['install', '-d', '-m', m, '--', dir];
  return action(`${ctx.self ? '' : `as ${ctx.userName}: `}${argv.join(' ')}`, async () => {
    await runAsUser(ctx, argv);
  });
}

export interface FileState {
  kind: 'missing' | 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  uid: number;
}

export async function fileState(p: string): Promise<FileState> {
  try {
    const st = await fs.lstat(p);
    const kind = st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other';
    return { kind, mode: st.mode & 0o7777, uid: st.uid };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return { kind: 'missing', mode: 0, uid: -1 };
    throw err;
  }
}

/** Read a regular file without following a symlink at the last component; undefined if missing. */
export async function readNoFollow(p: string): Promise<string | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(p, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new OpenclawError(`refusing to read ${p}: it is a symlink`, { hint: 'replace it with a regular file owned by the user' });
    throw err;
  }
  try {
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

export function paths(ctx: Ctx) {
  const home = account(ctx).home;
  const config = path.join(home, '.openclaw');
  return {
    home,
    config,
    workspace: path.join(config, 'workspace'),
    envFile: path.join(config, '.env'),
    configFile: path.join(config, 'openclaw.json'),
    launcher: path.join(home, 'run-openclaw-podman.sh'),
    quadletDir: path.join(home, '.config', 'containers', 'systemd'),
    quadletFile: path.join(home, '.config', 'containers', 'systemd', `${ctx.containerName}.container`),
    buildContext: path.join(home, '.cache', 'openclaw-kit', 'build-context'),
  };
}
