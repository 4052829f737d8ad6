// Host-level steps: the user, its subordinate ids, cgroups, linger and its runtime dir.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { OpenclawError } from '../../lib/errors.js';
import { commandAction } from '../../lib/setup/exec.js';
import { action, type Step } from '../../lib/setup/step.js';
import { account, asUser, fileState, lookupAccount, owns, sys, type Ctx } from './context.js';
import { judge, MIN_SUBIDS, nextFreeStart, parseSubids, type SubidVerdict } from './subid.js';

const NOLOGIN = ['/usr/sbin/nologin', '/sbin/nologin', '/usr/bin/nologin', '/bin/false'];

async function executable(p: string): Promise<boolean> {
  try {
    await fs.access(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export const userStep: Step<Ctx> = {
  name: 'user',
  async check(ctx) {
    ctx.account = await lookupAccount(ctx.userName);
    const a = ctx.account;
    if (a) {
      if (a.uid === 0) throw new OpenclawError(`user: '${a.name}' is root (uid 0): rootless Podman needs a regular user`, { hint: 'use --user NAME with a non-root user' });
      return { ok: `user ${a.name} (uid ${a.uid}, home ${a.home})` };
    }
    if (ctx.self) throw new OpenclawError(`user: '${ctx.userName}' not found by getent passwd`);
    let shell = '/bin/false';
    for (const c of NOLOGIN) if (await executable(sys(ctx, c))) { shell = c; break; }
    // A regular (non --system) account: useradd gives those subordinate id ranges on most distros.
    return { actions: [commandAction(['useradd', '--create-home', '--user-group', '--shell', shell, '--comment', 'OpenClaw gateway (rootless Podman)', ctx.userName])] };
  },
};

const readIfExists = (p: string) => fs.readFile(p, 'utf8').catch(() => '');

function describeVerdict(v: SubidVerdict, file: string, user: string): string {
  switch (v.state) {
    case 'missing': return `no range for user '${user}' in ${file}`;
    case 'small': return `range ${v.range.start}:${v.range.count} for '${user}' in ${file} is smaller than ${MIN_SUBIDS}`;
    case 'overlap': return `range ${v.range.start}:${v.range.count} for '${user}' in ${file} overlaps '${v.other.owner}' ${v.other.start}:${v.other.count}`;
    case 'ok': return `${v.range.start}:${v.range.count}`;
  }
}

export const subidStep: Step<Ctx> = {
  name: 'subuid',
  async check(ctx) {
    const a = account(ctx);
    const ids = [a.name, String(a.uid)];
    const uidRanges = parseSubids(await readIfExists(sys(ctx, '/etc/subuid')));
    const gidRanges = parseSubids(await readIfExists(sys(ctx, '/etc/subgid')));
    const u = judge(uidRanges, ids);
    const g = judge(gidRanges, ids);
    if (u.state === 'ok' && g.state === 'ok') return { ok: `subuid ${a.name} ${describeVerdict(u, '', a.name)}, subgid ${describeVerdict(g, '', a.name)}` };
    for (const [v, file] of [[u, '/etc/subuid'], [g, '/etc/subgid']] as const) {
      // Never "fixed" automatically: another user's containers own those ids.
      if (v.state === 'overlap') throw new OpenclawError(`subuid: ${describeVerdict(v, file, a.name)}`, { hint: `give one of them a free range in ${file} (usermod --del-subuids/--add-subuids), then run: podman system migrate` });
    }
    const start = nextFreeStart(uidRanges, gidRanges);
    const range = `${start}-${start + MIN_SUBIDS - 1}`;
    const argv = ['usermod', ...(u.state === 'ok' ? [] : ['--add-subuids', range]), ...(g.state === 'ok' ? [] : ['--add-subgids', range]), a.name];
    const problems = [u.state === 'ok' ? '' : describeVerdict(u, '/etc/subuid', a.name), g.state === 'ok' ? '' : describeVerdict(g, '/etc/subgid', a.name)].filter(Boolean).join('; ');
    if (!ctx.fixSubids || ctx.euid !== 0) {
      throw new OpenclawError(`subuid: ${problems}`, { hint: `try: sudo ${argv.join(' ')}   (or re-run setup with --fix-subids${ctx.euid !== 0 ? ' as root' : ''})` });
    }
    return { actions: [commandAction(argv), commandAction(asUser(ctx, ['podman', 'system', 'migrate']), { text: `as ${a.name}: podman system migrate` })] };
  },
};

export const cgroupsStep: Step<Ctx> = {
  name: 'cgroups',
  when: (ctx) => ctx.mode === 'quadlet',
  async check(ctx) {
    if ((await fileState(sys(ctx, '/sys/fs/cgroup/cgroup.controllers'))).kind === 'file') return { ok: 'cgroups v2 (unified hierarchy)' };
    return {
      warnings: [
        'cgroups v2 is absent (/sys/fs/cgroup is v1 or hybrid): Quadlet units run podman with --cgroups=split, which fails on v1 ' +
          '(boot with systemd.unified_cgroup_hierarchy=1, or add PodmanArgs=--cgroups=enabled in openclaw.container.d/10-cgroups.conf)',
      ],
    };
  },
};

const hostSystemd = async (ctx: Ctx) => (await fileState(sys(ctx, '/run/systemd/system'))).kind === 'dir';

export const lingerStep: Step<Ctx> = {
  name: 'linger',
  when: (ctx) => ctx.mode === 'quadlet',
  async check(ctx) {
    const a = account(ctx);
    const marker = sys(ctx, `/var/lib/systemd/linger/${a.name}`);
    if ((await fileState(marker)).kind !== 'missing') return { ok: `linger for ${a.name} (its user manager runs without a login)` };
    if (ctx.self || (await hostSystemd(ctx))) return { actions: [commandAction(['loginctl', 'enable-linger', a.name], { hint: `try: sudo loginctl enable-linger ${a.name}` })] };
    // No logind to ask: the marker file is all enable-linger writes; logind reads it at boot.
    return {
      actions: [
        action(`create ${marker} (no systemd running here: the marker logind reads at boot)`, async () => {
          await fs.mkdir(path.dirname(marker), { recursive: true, mode: 0o755 });
          await fs.writeFile(marker, '', { mode: 0o644 });
        }),
      ],
    };
  },
};

export const runtimeDirStep: Step<Ctx> = {
  name: 'runtime dir',
  async check(ctx) {
    const a = account(ctx);
    const dir = `/run/user/${a.uid}`;
    const st = await fileState(sys(ctx, dir));
    if (st.kind === 'dir' && owns(ctx, st.uid)) return { ok: `${dir} (XDG_RUNTIME_DIR for ${a.name})` };
    if (st.kind !== 'missing') throw new OpenclawError(`runtime dir: ${dir} is not a directory owned by ${a.name}`, { hint: `remove it or run: sudo chown ${a.name}: ${dir}` });
    if (ctx.euid !== 0) return { warnings: [`${dir} does not exist: podman falls back to /tmp/podman-run-${a.uid} (log in once, or: sudo loginctl enable-linger ${a.name})`] };
    if (await hostSystemd(ctx)) return { actions: [commandAction(['systemctl', 'start', `user@${a.uid}.service`])] };
    return { actions: [commandAction(['install', '-d', '-m', '0700', '-o', a.name, '-g', String(a.gid), sys(ctx, dir)], { text: `install -d -m 0700 -o ${a.name} -g ${a.gid} ${dir} (no logind here to create it)` })] };
  },
};

export { hostSystemd };
