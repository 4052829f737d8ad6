// The Docker setup steps (check → plan → apply, see lib/setup/step.ts). Each prints one `ok`,
// `changed` or `would` line per thing; a second run prints only `ok` lines.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDotenv, readDotenv, upsertDotenv } from '../../lib/dotenv.js';
import { OpenclawError } from '../../lib/errors.js';
import { writeFileAtomic, readFileIfExists } from '../../lib/fsutil.js';
import { buildArgFlags } from '../../lib/image-build-args.js';
import { generateToken } from '../../lib/token.js';
import { describe, mustRun, probe } from '../../lib/setup/exec.js';
import { action, type Action, type Step } from '../../lib/setup/step.js';
import { CONTEXT_LABEL, contextFiles, contextHash } from '../podman/image.js';
import {
  batchArgs,
  compose,
  CONTAINER_UID,
  envFile,
  extraFile,
  GATEWAY,
  getPath,
  missingEdits,
  onboarding,
  opts,
  readConfig,
  runGatewayCli,
  sandboxEdits,
  sandboxFile,
  seedEdits,
  type Ctx,
} from './compose.js';
import { EXTRA_FILE, renderExtraOverlay, renderSandboxOverlay, SANDBOX_FILE } from './overlays.js';
import { resolveToken } from './settings.js';

export const engineStep: Step<Ctx> = {
  name: 'docker',
  async check(ctx) {
    const server = await probe(['docker', 'version', '--format', '{{.Server.Version}}'], opts(ctx, { timeoutMs: 30_000 }));
    if (server.code === 127) throw new OpenclawError("docker: need 'docker' (command not found)", { hint: 'install Docker Engine or Docker Desktop, then re-run ./docker-setup.sh' });
    if (server.code !== 0) {
      const why = (server.stderr || server.stdout).trim().split('\n').slice(-1)[0] ?? `exit ${server.code}`;
      throw new OpenclawError(`docker: the daemon does not answer: ${why}`, { hint: 'start Docker (or check DOCKER_HOST and that you may use the socket), then re-run' });
    }
    const c = await probe(['docker', 'compose', 'version', '--short'], opts(ctx, { timeoutMs: 30_000 }));
    if (c.code !== 0) throw new OpenclawError("docker: need the Compose v2 plugin ('docker compose version' failed)", { hint: 'install docker-compose-plugin (Debian/Ubuntu: apt-get install docker-compose-plugin), then re-run' });
    return { ok: `docker ${server.stdout.trim()}, compose ${c.stdout.trim()}` };
  },
};

export const dirsStep: Step<Ctx> = {
  name: 'dirs',
  async check(ctx) {
    const actions: Action[] = [];
    for (const [dir, mode] of [[ctx.s.configDir, 0o700], [ctx.s.workspaceDir, 0o755]] as const) {
      const st = await fs.lstat(dir).catch(() => undefined);
      if (!st) actions.push(action(`mkdir -p -m ${mode.toString(8)} ${dir}`, async () => void (await fs.mkdir(dir, { recursive: true, mode }))));
      else if (!st.isDirectory()) throw new OpenclawError(`dirs: ${dir} is not a directory`, { hint: 'move it away or point OPENCLAW_CONFIG_DIR / OPENCLAW_WORKSPACE_DIR elsewhere' });
    }
    return { ok: `config ${ctx.s.configDir}, workspace ${ctx.s.workspaceDir}`, actions };
  },
};

const ENV_HEADER = [
  '# Docker Compose settings for OpenClaw, written by ./docker-setup.sh (mode 0600: it holds the token).',
  '# docker-setup.sh updates its own keys and keeps every other line; set a key empty to drop a setting.',
];

/** DOCKER_GID: the group of the engine socket (what the gateway needs to use it). */
async function socketGid(ctx: Ctx): Promise<number | undefined> {
  const st = await fs.stat(ctx.s.socket.path).catch(() => undefined);
  return st?.isSocket() ? st.gid : undefined;
}

async function tokenFor(ctx: Ctx, envText: string | undefined): Promise<NonNullable<Ctx['token']>> {
  if (ctx.token) return ctx.token;
  const { config, redacted } = await readConfig(ctx).catch(() => ({ config: {}, redacted: true }));
  const found = resolveToken({
    env: ctx.env,
    configToken: redacted ? undefined : getPath(config, 'gateway.auth.token'),
    repoDotenvText: envText,
    stateDotenv: await readDotenv(path.join(ctx.s.configDir, '.env')).catch(() => new Map<string, string>()),
  });
  ctx.token = found ? { value: found.token, source: found.source, isNew: false } : { value: generateToken(), source: 'new', isNew: true };
  return ctx.token;
}

export const envFileStep: Step<Ctx> = {
  name: 'env file',
  async check(ctx) {
    const file = envFile(ctx);
    const text = await readFileIfExists(file);
    const token = await tokenFor(ctx, text);
    const want: Record<string, string> = { ...ctx.s.dotenv, OPENCLAW_GATEWAY_TOKEN: token.value };
    const gid = ctx.s.sandbox ? await socketGid(ctx) : undefined;
    if (gid !== undefined) want.DOCKER_GID = String(gid);
    const current = parseDotenv(text ?? '');
    const changed = Object.keys(want).filter((k) => {
      const raw = want[k]!;
      const plain = raw.length >= 2 && raw.startsWith("'") && raw.endsWith("'") ? raw.slice(1, -1) : raw;
      return current.get(k) !== plain;
    });
    const st = await fs.stat(file).catch(() => undefined);
    const tokenWhere = token.isNew ? 'new token' : `token kept from ${token.source}`;
    if (changed.length === 0 && st && (st.mode & 0o777) === 0o600) return { ok: `${file} (${tokenWhere}; mode 0600)` };
    const keys = changed.length ? changed.join(' ') : 'no keys';
    return {
      actions: [
        action(`write ${file}: ${keys} (${tokenWhere}; other lines kept; mode 0600)`, async () => {
          if (text === undefined) await writeFileAtomic(file, ENV_HEADER.join('\n') + '\n', { mode: 0o600 });
          await upsertDotenv(file, want);
        }),
      ],
    };
  },
};

export const extraOverlayStep: Step<Ctx> = {
  name: 'extra mounts',
  async check(ctx) {
    for (const m of [...ctx.s.extraMounts, ...(ctx.s.homeVolume ? [ctx.s.homeVolume] : [])]) {
      if (m.type !== 'bind' || m.target === '/home/node') continue;
      const st = await fs.stat(m.source).catch(() => undefined);
      if (!st) throw new OpenclawError(`OPENCLAW_EXTRA_MOUNTS: source ${m.source} does not exist (entry '${m.entry}')`, { hint: `create it (mkdir -p ${m.source}) or fix the entry; Docker would create it owned by root` });
    }
    const file = extraFile(ctx);
    const want = renderExtraOverlay({ mounts: ctx.s.extraMounts, home: ctx.s.homeVolume, configDir: ctx.s.configDir, workspaceDir: ctx.s.workspaceDir });
    const have = await readFileIfExists(file);
    if (want === undefined) {
      if (have === undefined) return {};
      return { actions: [action(`rm ${file} (OPENCLAW_EXTRA_MOUNTS and OPENCLAW_HOME_VOLUME are unset)`, () => fs.rm(file, { force: true }))] };
    }
    const what = [ctx.s.extraMounts.length ? `${ctx.s.extraMounts.length} extra mount(s)` : '', ctx.s.homeVolume ? `home volume ${ctx.s.homeVolume.source}` : ''].filter(Boolean).join(', ');
    if (have === want) return { ok: `${file} (${what})` };
    return { actions: [action(`write ${file} (${what}, for both services)`, () => writeFileAtomic(file, want, { mode: 0o644 }))] };
  },
};

export const imageStep: Step<Ctx> = {
  name: 'image',
  async check(ctx) {
    const image = ctx.s.image;
    if (!ctx.s.buildImage) {
      const have = await probe(['docker', 'image', 'inspect', '--format', '{{.Id}}', image], opts(ctx));
      if (have.code === 0 && !ctx.rebuild) return { ok: `image ${image} (present; pull it yourself to update)` };
      const timeout = Number(ctx.env.OPENCLAW_DOCKER_SETUP_PULL_TIMEOUT_S || 600);
      return { actions: [action(`docker pull ${image}`, async () => void (await mustRun(['docker', 'pull', image], opts(ctx, { timeoutMs: timeout * 1000, label: `docker pull ${image}`, hint: 'check the image name and your registry login, or unset OPENCLAW_IMAGE to build from this checkout' }))))] };
    }
    if (!ctx.imageHash) {
      const files = await contextFiles(ctx.repo);
      ctx.imageHash = await contextHash(ctx.repo, files, ctx.s.buildArgs);
    }
    const hash = ctx.imageHash;
    const inspect = await probe(['docker', 'image', 'inspect', '--format', `{{index .Config.Labels "${CONTEXT_LABEL}"}}`, image], opts(ctx));
    if (inspect.code === 0 && inspect.stdout.trim() === hash && !ctx.rebuild) return { ok: `image ${image} is current (context ${hash.slice(0, 12)})` };
    const build = ['docker', 'build', '--label', `${CONTEXT_LABEL}=${hash}`, ...buildArgFlags(ctx.s.buildArgs), '-t', image, '-f', path.join(ctx.repo, 'Dockerfile'), ctx.repo];
    return {
      actions: [
        action(`build ${image}: ${describe(build)}`, async () => {
          process.stderr.write(`    building ${image} (a few minutes on a cold cache)...\n`);
          const r = await probe(build, opts(ctx, { timeoutMs: 45 * 60_000, env: { ...ctx.env, DOCKER_BUILDKIT: '1' } }));
          if (r.code !== 0) {
            const out = (r.stderr || r.stdout).trim();
            const oom = r.code === 137 || /\bKilled\b|exit code: 137|out of memory/i.test(out);
            throw new OpenclawError(`image: docker build failed: exit ${r.code}: ${out.split('\n').slice(-3).join(' | ')}`, {
              hint: oom ? 'the build ran out of memory: give Docker at least 2 GB, or use a prebuilt image with OPENCLAW_IMAGE' : `fix the build error, then re-run (by hand: ${describe(build)})`,
            });
          }
          ctx.rebuild = false;
        }),
      ],
    };
  },
};

// Run as root in a throwaway gateway container: it sees only the mounts, so a symlink in the config
// dir cannot point a chown at a host file. The workspace's contents (your files) are never chowned.
const CHOWN_SH = [
  'set -eu',
  'd=/home/node/.openclaw',
  'chown node:node "$d" "$d/workspace"',
  'find "$d" -xdev -path "$d/workspace" -prune -o ! -user node -exec chown -h node:node {} +',
].join('\n');

/** Paths under `dir` not owned by uid 1000 (at most 5); `skip` subtrees are not entered or counted. */
async function foreignOwned(dir: string, skip: readonly string[], limit = 5000): Promise<string[]> {
  const out: string[] = [];
  const walk = async (p: string): Promise<void> => {
    if (out.length >= 5 || limit-- <= 0) return;
    if (skip.includes(p)) return;
    const st = await fs.lstat(p).catch(() => undefined);
    if (!st) return;
    if (st.uid !== CONTAINER_UID) out.push(p);
    if (st.isDirectory()) for (const e of await fs.readdir(p).catch(() => [] as string[])) await walk(path.join(p, e));
  };
  await walk(dir);
  return out;
}

export const permissionsStep: Step<Ctx> = {
  name: 'permissions',
  // Docker Desktop maps ownership itself, and a re-check from the host cannot see the container's view.
  verify: false,
  async check(ctx) {
    if (os.platform() === 'darwin') return { ok: 'ownership (Docker Desktop maps it)' };
    // <config>/workspace is the container's mount point for the workspace (the engine creates it as
    // root when the workspace lives elsewhere): not ours to judge.
    const wrong = await foreignOwned(ctx.s.configDir, [ctx.s.workspaceDir, path.join(ctx.s.configDir, 'workspace')]);
    const ws = await fs.lstat(ctx.s.workspaceDir).catch(() => undefined);
    if (ws && ws.uid !== CONTAINER_UID && !wrong.includes(ctx.s.workspaceDir)) wrong.push(ctx.s.workspaceDir);
    if (wrong.length === 0 && ws) return { ok: `${ctx.s.configDir} owned by uid ${CONTAINER_UID} (the container's node user)` };
    const argv = compose(ctx, 'run', '--rm', '--no-deps', '-T', '--user', 'root', '--entrypoint', 'sh', GATEWAY, '-c', CHOWN_SH);
    return {
      actions: [
        action(`chown uid ${CONTAINER_UID} the config dir and the workspace dir itself, in a root container (not your workspace files)${wrong.length ? `: ${wrong.slice(0, 3).join(', ')}${wrong.length > 3 ? ', ...' : ''}` : ''}`, async () => {
          await mustRun(argv, opts(ctx, { label: 'ownership fix', timeoutMs: 5 * 60_000, hint: `by hand: sudo chown -R ${CONTAINER_UID}:${CONTAINER_UID} ${ctx.s.configDir}` }));
        }),
      ],
    };
  },
};

export const configStep: Step<Ctx> = {
  name: 'config',
  async check(ctx) {
    const { config } = await readConfig(ctx);
    const actions: Action[] = [];
    const onboard = ctx.s.skipOnboarding ? undefined : await onboarding(ctx, config);
    if (onboard) actions.push(action(onboard.text, async () => void (await runGatewayCli(ctx, onboard.args, 'onboarding'))));
    const edits = seedEdits(ctx, config);
    if (edits.length) actions.push(action(describe(["openclaw", ...batchArgs(edits)]), async () => void (await runGatewayCli(ctx, batchArgs(seedEdits(ctx, (await readConfig(ctx)).config)), 'config seed'))));
    return { ok: `config ${path.join(ctx.s.configDir, 'openclaw.json')} (gateway.mode=local, bind ${ctx.s.bind}, origins for port ${ctx.s.port}${ctx.s.skipOnboarding ? '; onboarding skipped' : ''})`, actions };
  },
};

/** Sandbox prerequisites, in order; the first failure is the rollback reason. */
async function sandboxProblem(ctx: Ctx): Promise<string | undefined> {
  const sock = ctx.s.socket;
  const st = await fs.stat(sock.path).catch((e: NodeJS.ErrnoException) => e);
  if (st instanceof Error) return `${sock.path} (${sock.from}): ${st.code === 'ENOENT' ? 'no such file' : st.code}`;
  if (!st.isSocket()) return `${sock.path} (${sock.from}) is not a socket`;
  const img = await probe(['docker', 'image', 'inspect', '--format', '{{.Id}}', ctx.s.image], opts(ctx));
  if (img.code === 0) {
    const cli = await probe(['docker', 'run', '--rm', '--network', 'none', '--entrypoint', 'docker', ctx.s.image, '--version'], opts(ctx, { timeoutMs: 60_000 }));
    if (cli.code !== 0) return `the gateway image ${ctx.s.image} has no docker CLI (build it with OPENCLAW_INSTALL_DOCKER_CLI=1)`;
  }
  return undefined;
}

export const sandboxImageStep: Step<Ctx> = {
  name: 'sandbox image',
  async check(ctx) {
    const have = await probe(['docker', 'image', 'inspect', '--format', '{{.Id}}', ctx.s.sandboxImage], opts(ctx));
    if (have.code === 0 && !ctx.rebuild) return { ok: `sandbox image ${ctx.s.sandboxImage}` };
    const env = { ...ctx.env, ENGINE: 'docker', TARGET_IMAGE: ctx.s.sandboxImage, ...(ctx.s.sandboxBaseImage ? { BASE_IMAGE: ctx.s.sandboxBaseImage } : {}) };
    const argv = ['bash', path.join(ctx.repo, 'scripts', 'sandbox-setup.sh')];
    return { actions: [action(`build ${ctx.s.sandboxImage}: ${ctx.s.sandboxBaseImage ? `BASE_IMAGE=${ctx.s.sandboxBaseImage} ` : ''}TARGET_IMAGE=${ctx.s.sandboxImage} scripts/sandbox-setup.sh`, async () => void (await mustRun(argv, opts(ctx, { env, timeoutMs: 30 * 60_000, label: 'sandbox image build' }))))] };
  },
};

export const sandboxStep: Step<Ctx> = {
  name: 'sandbox',
  async check(ctx) {
    const file = sandboxFile(ctx);
    const have = await readFileIfExists(file);
    const { config } = await readConfig(ctx);
    const mode = getPath(config, 'agents.defaults.sandbox.mode');
    if (!ctx.s.sandbox || ctx.sandboxRollback) return offActions(ctx, have !== undefined, mode, file);
    const problem = await sandboxProblem(ctx);
    if (problem) {
      ctx.sandboxRollback = problem;
      return offActions(ctx, have !== undefined, mode, file);
    }
    const gid = (await socketGid(ctx))!;
    const want = renderSandboxOverlay(ctx.s.socket.path, gid);
    const actions: Action[] = [];
    if (have !== want) actions.push(action(`write ${file} (${ctx.s.socket.path} for the gateway, group ${gid})`, () => writeFileAtomic(file, want, { mode: 0o644 })));
    const edits = missingEdits(config, sandboxEdits(ctx));
    if (edits.length) actions.push(action(describe(["openclaw", ...batchArgs(edits)]), async () => void (await runGatewayCli(ctx, batchArgs(edits), 'sandbox config'))));
    ctx.sandboxOn = true;
    return { ok: `sandbox on: mode non-main through ${ctx.s.socket.path}, image ${ctx.s.sandboxImage}`, actions };
  },
};

function offActions(ctx: Ctx, overlay: boolean, mode: unknown, file: string) {
  const actions: Action[] = [];
  const warnings: string[] = [];
  if (overlay) actions.push(action(`rm ${file}`, () => fs.rm(file, { force: true })));
  // Switched off what an earlier run (or this one) switched on; a mode set by hand is only reported.
  if ((overlay || ctx.sandboxRollback) && mode !== undefined && mode !== 'off') {
    const edits = [{ path: 'agents.defaults.sandbox.mode', value: 'off' }];
    actions.push(action(describe(["openclaw", ...batchArgs(edits)]), async () => void (await runGatewayCli(ctx, batchArgs(edits), 'sandbox rollback'))));
  } else if (!ctx.s.sandbox && mode !== undefined && mode !== 'off') {
    warnings.push(`agents.defaults.sandbox.mode is '${String(mode)}' but no engine socket is mounted: sandboxed sessions will fail (OPENCLAW_SANDBOX=1 ./docker-setup.sh, or set the mode to off)`);
  }
  return { ...(ctx.sandboxRollback ? {} : { ok: 'sandbox off (OPENCLAW_SANDBOX=1 turns it on)' }), actions, warnings };
}

/**
 * COMPOSE_FILE in .env lists the overlays in use, so a plain `docker compose ...` in the checkout
 * sees the same services setup started (without it, `docker compose run` would recreate the
 * gateway without the extra mounts or the socket).
 */
export function composeFiles(ctx: Ctx): string {
  const extra = renderExtraOverlay({ mounts: ctx.s.extraMounts, home: ctx.s.homeVolume, configDir: ctx.s.configDir, workspaceDir: ctx.s.workspaceDir }) !== undefined;
  const sandbox = ctx.sandboxOn === true && !ctx.sandboxRollback;
  return ['docker-compose.yml', ...(extra ? [EXTRA_FILE] : []), ...(sandbox ? [SANDBOX_FILE] : [])].join(':');
}

export const composeFileStep: Step<Ctx> = {
  name: 'compose files',
  async check(ctx) {
    const file = envFile(ctx);
    const want = composeFiles(ctx);
    const have = parseDotenv((await readFileIfExists(file)) ?? '').get('COMPOSE_FILE');
    if (have === want) return { ok: `COMPOSE_FILE=${want} in ${file}` };
    return { actions: [action(`set COMPOSE_FILE=${want} in ${file} (plain docker compose commands then use the same files)`, () => upsertDotenv(file, { COMPOSE_FILE: want }))] };
  },
};

export const upStep: Step<Ctx> = {
  name: 'start',
  async check(ctx) {
    const up = compose(ctx, 'up', '-d', GATEWAY);
    const start = action(describe(up), async () => void (await mustRun(up, opts(ctx, { label: 'docker compose up', timeoutMs: 10 * 60_000, hint: 'see: docker compose logs openclaw-gateway' }))));
    // Compose itself decides whether the container is current (config, env_file, image, overlays):
    // ask it with --dry-run rather than comparing `config --hash`, which ignores env_file.
    const dry = await probe(compose(ctx, '--dry-run', 'up', '-d', GATEWAY), opts(ctx, { timeoutMs: 2 * 60_000 }));
    const said = `${dry.stdout}\n${dry.stderr}`;
    if (dry.code === 0 && /\bRunning\b/.test(said) && !/Recreat|Creat|Start|Pull|Build/.test(said)) return { ok: `gateway container running with the current config and image` };
    return { actions: [start] };
  },
};

/** After start: can the gateway reach the engine through the socket? (group, SELinux, rootless...) */
export async function sandboxReachable(ctx: Ctx): Promise<string | undefined> {
  const r = await probe(compose(ctx, 'exec', '-T', GATEWAY, 'docker', 'version', '--format', '{{.Server.Version}}'), opts(ctx, { timeoutMs: 60_000 }));
  if (r.code === 0) return undefined;
  return `the gateway cannot use ${ctx.s.socket.path}: ${(r.stderr || r.stdout).trim().split('\n').slice(-1)[0] ?? `exit ${r.code}`}`;
}
