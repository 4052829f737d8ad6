// The gateway image, built directly in the target user's rootless store (no podman save/load through
// /tmp). The build context is streamed with tar into a dir the user owns, so the user never needs to
// read the checkout. The image carries a label with the hash of its context and build args; setup
// skips the build while that label matches (unless --rebuild).
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { buildArgFlags, imageBuildArgs, type BuildArg } from '../../lib/image-build-args.js';
import { describe, mustRun, probe, spawnCommand } from '../../lib/setup/exec.js';
import { action, type Step } from '../../lib/setup/step.js';
import { asUser, paths, type Ctx } from './context.js';

export const CONTEXT_LABEL = 'org.openclaw-kit.context';

type Matcher = (rel: string, name: string) => boolean;

/** The subset of .dockerignore syntax our file uses: `name`, `dir/name`, `**\/name`, `*` globs. */
export function dockerignore(text: string): Matcher {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('!'))
    .map((p) => {
      const anywhere = p.startsWith('**/');
      const body = (anywhere ? p.slice(3) : p).replace(/\/$/, '');
      const re = new RegExp(`^${body.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
      return { anywhere, re };
    });
  return (rel, name) => rules.some((r) => (r.anywhere ? r.re.test(name) : r.re.test(rel)));
}

export async function contextFiles(repo: string): Promise<string[]> {
  const ignoreText = await fs.readFile(path.join(repo, '.dockerignore'), 'utf8').catch(() => '');
  const ignored = dockerignore(ignoreText);
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await fs.readdir(path.join(repo, rel), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (ignored(r, e.name)) continue;
      if (e.isDirectory()) await walk(r);
      else if (e.isFile()) out.push(r);
    }
  };
  await walk('');
  return out;
}

export async function contextHash(repo: string, files: readonly string[], args: readonly BuildArg[]): Promise<string> {
  const h = createHash('sha256');
  for (const f of files) {
    h.update(`${f}\0`);
    h.update(await fs.readFile(path.join(repo, f)));
    h.update('\0');
  }
  for (const a of args) h.update(`--build-arg ${a.name}=${a.value}\0`);
  return h.digest('hex');
}

/** BASE_IMAGE as the build will see it: the env override, else the Dockerfile's ARG default. */
export async function baseImage(repo: string, args: readonly BuildArg[]): Promise<string | undefined> {
  const override = args.find((a) => a.name === 'BASE_IMAGE');
  if (override) return override.value;
  const dockerfile = await fs.readFile(path.join(repo, 'Dockerfile'), 'utf8').catch(() => '');
  return /^ARG BASE_IMAGE=(\S+)/m.exec(dockerfile)?.[1];
}

async function repoVersion(repo: string): Promise<string> {
  return (JSON.parse(await fs.readFile(path.join(repo, 'package.json'), 'utf8')) as { version: string }).version;
}

export const imageStep: Step<Ctx> = {
  name: 'image',
  async check(ctx) {
    // Hashed once per run: the check after the build must compare with what was built.
    ctx.imageContext ??= await (async () => {
      const args = imageBuildArgs(ctx.env, { version: await repoVersion(ctx.repo) });
      const files = await contextFiles(ctx.repo);
      return { args, files, hash: await contextHash(ctx.repo, files, args) };
    })();
    const { args, files, hash } = ctx.imageContext;
    const inspect = await probe(asUser(ctx, ['podman', 'image', 'inspect', '--format', `{{index .Labels "${CONTEXT_LABEL}"}}`, ctx.image]));
    const current = inspect.code === 0 ? inspect.stdout.trim() : '';
    const where = `${ctx.userName}'s store`;
    if (current === hash && !ctx.rebuild) return { ok: `image ${ctx.image} in ${where} is current (context ${hash.slice(0, 12)})` };
    const stage = paths(ctx).buildContext;
    const build = asUser(ctx, ['podman', 'build', '--format', 'docker', '--label', `${CONTEXT_LABEL}=${hash}`, ...buildArgFlags(args), '-t', ctx.image, '-f', `${stage}/Dockerfile`, stage]);
    // Offline hosts: a base image root already has is streamed into the user's store (a pipe, no
    // archive left in /tmp). Otherwise podman pulls it during the build.
    const base = await baseImage(ctx.repo, args);
    const seed = [];
    if (base && ctx.euid === 0 && !ctx.self && (await probe(asUser(ctx, ['podman', 'image', 'exists', base]))).code !== 0 && (await probe(['podman', 'image', 'exists', base])).code === 0) {
      seed.push(
        action(`copy base image ${base} from root's store to ${where} (podman save | podman load, no temp file)`, async () => {
          const save = spawnCommand(['podman', 'save', '--format', 'docker-archive', base]);
          await mustRun(asUser(ctx, ['podman', 'load']), { input: save, label: `podman load of ${base} as ${ctx.userName}`, timeoutMs: 10 * 60_000 });
          const saved = await save;
          if (saved.exitCode !== 0) throw new Error(`podman save ${base} failed: ${saved.stderr.trim()}`);
        }),
      );
    }
    return {
      actions: [
        ...seed,
        action(`copy the build context (${files.length} files) to ${stage} as ${ctx.userName}`, async () => {
          await mustRun(asUser(ctx, ['sh', '-c', 'rm -rf -- "$1" && mkdir -p -m 0700 -- "$1"', 'sh', stage]));
          const tar = spawnCommand(['tar', '-C', ctx.repo, '--null', '-T', '-', '-cf', '-'], { input: files.map((f) => `${f}\0`).join('') });
          await mustRun(asUser(ctx, ['tar', '-C', stage, '-xf', '-']), { input: tar, label: `unpacking the build context as ${ctx.userName}` });
          const created = await tar;
          if (created.exitCode !== 0) throw new Error(`tar of the build context failed: ${created.stderr.trim()}`);
        }),
        action(`build ${ctx.image} in ${where}: ${describe(build)}`, async () => {
          process.stderr.write(`    building ${ctx.image} as ${ctx.userName} (a few minutes on a cold cache)...\n`);
          await mustRun(build, { label: `podman build as ${ctx.userName}`, timeoutMs: 30 * 60_000, hint: `fix the build error, then re-run setup (by hand: ${describe(build)})` });
          ctx.rebuild = false; // rebuilt: the check that follows must see a current image
        }),
      ],
    };
  },
};
