// A real `systemd --user` manager for one user on a host whose PID 1 is not systemd (ENVIRONMENT.md
// section 6): the manager refuses to start without /run/systemd/system, so that marker is faked on a
// tmpfs in a private mount namespace (the host never sees it), and the user gets its own cgroup
// subtree. Runs as root. stop() asks the manager to exit, then signals only the PIDs recorded at
// start (checked against their start time), and removes exactly the cgroup dirs that were not
// there before.
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { run, type RunOptions, type RunResult } from './engine.js';

export interface ManagedUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface UserManager {
  user: ManagedUser;
  runtimeDir: string;
  /** runuser (the process we spawned) and the systemd --user it runs. */
  pids: { runuser: number; manager: number | undefined };
  logFile: string;
  /** `systemctl --user ARGS` as the user (XDG_RUNTIME_DIR set), never throws. */
  systemctl(args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  log(): string;
  /** Idempotent: exit the manager, wait for both PIDs, remove the cgroup dirs it created. */
  stop(): Promise<string[]>;
}

const SYSTEMD = ['/lib/systemd/systemd', '/usr/lib/systemd/systemd'];
export const systemdBinary = (): string | undefined => SYSTEMD.find((p) => existsSync(p));

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Field 22 of /proc/PID/stat (start time in clock ticks): a PID plus this names one process. */
export function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function alive(pid: number, start: string | undefined): boolean {
  const now = startTime(pid);
  return now !== undefined && (start === undefined || now === start);
}

/** The cgroup hierarchies a user manager needs: named systemd + unified (v1/hybrid), or the v2 root. */
export function cgroupRoots(): string[] {
  const v1 = ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified'].filter((d) => existsSync(join(d, 'cgroup.procs')));
  if (v1.length > 0) return v1;
  return existsSync('/sys/fs/cgroup/cgroup.controllers') ? ['/sys/fs/cgroup'] : [];
}

function subdirs(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.filter((e) => e.isDirectory()).flatMap((e) => [join(dir, e.name), ...subdirs(join(dir, e.name))]);
}

// $1 user, $2 home, $3 runtime dir, $4 systemd binary, $5... cgroup dirs to join. Only positional
// parameters reach the shell: nothing is interpolated into the script.
const SCRIPT = `set -e
mount -t tmpfs tmpfs /run/systemd
mkdir /run/systemd/system
u=$1 home=$2 xdg=$3 bin=$4; shift 4
for cg in "$@"; do echo $$ >"$cg/cgroup.procs"; done
exec runuser -u "$u" -- env -i HOME="$home" USER="$u" LOGNAME="$u" PATH=/usr/local/bin:/usr/bin:/bin XDG_RUNTIME_DIR="$xdg" "$bin" --user`;

export async function startUserManager(user: ManagedUser, opts: { logFile: string; readyMs?: number }): Promise<UserManager> {
  const bin = systemdBinary();
  if (!bin) throw new Error('openclaw: systemd-user: no systemd binary (/lib/systemd/systemd) (apt-get install systemd)');
  const runtimeDir = `/run/user/${user.uid}`;
  if (!existsSync(runtimeDir)) throw new Error(`openclaw: systemd-user: ${runtimeDir} is missing (create it 0700 for ${user.name} first)`);
  const roots = cgroupRoots();
  if (roots.length === 0) throw new Error('openclaw: systemd-user: no usable cgroup hierarchy under /sys/fs/cgroup');

  // The user's cgroup subtree: remember what existed (and its owner) so stop() undoes only our part.
  const rel = ['user.slice', `user-${user.uid}.slice`, `user@${user.uid}.service`];
  const created: string[] = [];
  const before = new Set<string>();
  const owners = new Map<string, { uid: number; gid: number }>();
  const leaves: string[] = [];
  for (const root of roots) {
    let dir = root;
    for (const part of rel) {
      dir = join(dir, part);
      if (!existsSync(dir)) {
        mkdirSync(dir);
        created.push(dir);
      }
    }
    leaves.push(dir);
    for (const d of [dir, ...subdirs(dir)]) {
      before.add(d);
      const st = statSync(d);
      owners.set(d, { uid: st.uid, gid: st.gid });
    }
    for (const d of [dir, ...subdirs(dir)]) {
      chownSync(d, user.uid, user.gid);
      for (const f of readdirSync(d)) if (!statSync(join(d, f)).isDirectory()) chownSync(join(d, f), user.uid, user.gid);
    }
  }

  const logFd = openSync(opts.logFile, 'a', 0o600);
  let child: ChildProcess;
  try {
    // detached: a new session, so the manager is not in our process group or terminal.
    child = spawn('unshare', ['--mount', '--propagation', 'slave', 'bash', '-c', SCRIPT, 'bash', user.name, user.home, runtimeDir, bin, ...leaves], {
      detached: true,
      stdio: ['ignore', logFd, logFd],
      cwd: '/',
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
    });
  } finally {
    closeSync(logFd);
  }
  child.unref();
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
    child.on('error', (err) => {
      exited = { code: 127, signal: null };
      process.stderr.write(`openclaw: systemd-user: spawn failed: ${err.message}\n`);
      resolve();
    });
  });
  const runuserPid = child.pid ?? -1;
  const runuserStart = startTime(runuserPid);
  let managerPid: number | undefined;
  let managerStart: string | undefined;

  const log = () => {
    try {
      return readFileSync(opts.logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const systemctl = (args: readonly string[], o: RunOptions = {}) =>
    run(['runuser', '-u', user.name, '--', 'env', `XDG_RUNTIME_DIR=${runtimeDir}`, 'systemctl', '--user', ...args], { timeoutMs: 60_000, ...o });

  let stopped = false;
  const stop = async (): Promise<string[]> => {
    if (stopped) return [];
    stopped = true;
    const problems: string[] = [];
    if (!exited) {
      // The clean way first: the manager stops its units and exits.
      await systemctl(['exit'], { timeoutMs: 15_000 });
      const deadline = Date.now() + 15_000;
      while (!exited && Date.now() < deadline) await delay(100);
    }
    // Then only the recorded PIDs, and only while they are still the same processes.
    for (const [pid, start, what] of [
      [managerPid, managerStart, 'systemd --user'],
      [runuserPid, runuserStart, 'runuser'],
    ] as const) {
      if (pid === undefined || pid <= 0 || !alive(pid, start)) continue;
      problems.push(`${what} (pid ${pid}) did not exit after systemctl --user exit: sent SIGTERM`);
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      const deadline = Date.now() + 10_000;
      while (alive(pid, start) && Date.now() < deadline) await delay(100);
      if (alive(pid, start)) {
        problems.push(`${what} (pid ${pid}) ignored SIGTERM: sent SIGKILL`);
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    const deadline = Date.now() + 10_000;
    while (!exited && Date.now() < deadline) await delay(100);
    if (!exited) problems.push(`runuser (pid ${runuserPid}) still running after SIGKILL`);

    // cgroup dirs: the manager's own children (app.slice, init.scope...) first, deepest first, then
    // the levels we made; pre-existing dirs get their owner back.
    for (const leaf of leaves) {
      const extra = subdirs(leaf).filter((d) => !before.has(d)).sort((a, b) => b.length - a.length);
      for (const d of extra) {
        try {
          rmdirSync(d);
        } catch (err) {
          problems.push(`cannot remove cgroup ${d}: ${(err as Error).message}`);
        }
      }
    }
    for (const d of [...created].reverse()) {
      try {
        rmdirSync(d);
      } catch (err) {
        problems.push(`cannot remove cgroup ${d}: ${(err as Error).message}`);
      }
    }
    for (const [d, o] of owners) {
      if (!existsSync(d)) continue;
      try {
        chownSync(d, o.uid, o.gid);
        for (const f of readdirSync(d)) if (!statSync(join(d, f)).isDirectory()) chownSync(join(d, f), o.uid, o.gid);
      } catch (err) {
        problems.push(`cannot restore the owner of cgroup ${d}: ${(err as Error).message}`);
      }
    }
    return problems;
  };

  const mgr: UserManager = { user, runtimeDir, pids: { runuser: runuserPid, manager: undefined }, logFile: opts.logFile, systemctl, log, stop };

  // Ready = the manager answers on its private socket (is-system-running says `offline` here: do not poll it).
  const deadline = Date.now() + (opts.readyMs ?? 15_000);
  let last = '';
  for (;;) {
    if (exited) {
      const problems = await stop();
      throw new Error(`openclaw: systemd --user for ${user.name} exited during startup (${exited.code ?? exited.signal}): ${log().trim().split('\n').slice(-15).join(' | ')}${problems.length ? `; cleanup: ${problems.join('; ')}` : ''}`);
    }
    const r = await systemctl(['show', '-p', 'Version'], { timeoutMs: 5_000 });
    if (r.code === 0 && /^Version=/.test(r.stdout)) break;
    last = (r.stderr || r.stdout).trim();
    if (Date.now() >= deadline) {
      const problems = await stop();
      throw new Error(`openclaw: systemd --user for ${user.name} not ready within ${opts.readyMs ?? 15_000} ms: ${last}; log: ${log().trim().split('\n').slice(-15).join(' | ')}${problems.length ? `; cleanup: ${problems.join('; ')}` : ''}`);
    }
    await delay(100);
  }
  // runuser forks the manager: record the child that is systemd.
  try {
    const kids = readFileSync(`/proc/${runuserPid}/task/${runuserPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    for (const k of kids) {
      const argv0 = readFileSync(`/proc/${k}/cmdline`, 'utf8').split('\0')[0] ?? '';
      if (argv0 === bin) {
        managerPid = k;
        managerStart = startTime(k);
      }
    }
  } catch {
    /* runuser exec'd or exited: the ready check already proved a manager answers */
  }
  if (managerPid === undefined && startTime(runuserPid) !== undefined) {
    const argv0 = readFileSync(`/proc/${runuserPid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    if (argv0 === bin) {
      managerPid = runuserPid;
      managerStart = runuserStart;
    }
  }
  mgr.pids.manager = managerPid;
  void exitPromise;
  return mgr;
}
