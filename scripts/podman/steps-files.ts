// Files in the user's home: state dirs, the launcher, the token and a minimal config. Each is
// written as the user, atomically, and left alone once it is right (an existing token or config is
// never replaced).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import JSON5 from 'json5';
import { parseDotenv } from '../../lib/dotenv.js';
import { OpenclawError } from '../../lib/errors.js';
import { action, type Action, type Step } from '../../lib/setup/step.js';
import { account, fileState, owns, mkdirAsUser, paths, readNoFollow, runAsUser, writeAsUser, type Ctx } from './context.js';
import { generateToken } from './token.js';

const octal = (m: number) => m.toString(8).padStart(4, '0');

export const stateDirsStep: Step<Ctx> = {
  name: 'state dirs',
  async check(ctx) {
    const a = account(ctx);
    const p = paths(ctx);
    const actions: Action[] = [];
    const warnings: string[] = [];
    for (const dir of [p.config, p.workspace]) {
      const st = await fileState(dir);
      if (st.kind === 'missing') actions.push(mkdirAsUser(ctx, dir, 0o700));
      else if (st.kind !== 'dir') throw new OpenclawError(`state dirs: refusing ${dir}: it is a ${st.kind}, not a directory`, { hint: `move it away, then re-run setup` });
      else if (!owns(ctx, st.uid)) throw new OpenclawError(`state dirs: ${dir} is owned by uid ${st.uid}, not ${a.name} (${a.uid}): the gateway would fail with EACCES`, { hint: `sudo chown -R ${a.name}: ${dir}` });
      else if ((st.mode & 0o077) !== 0) actions.push(action(`chmod 0700 ${dir} (was ${octal(st.mode)})`, () => runAsUser(ctx, ['chmod', '0700', '--', dir]).then(() => undefined)));
    }
    // Files root (or another uid) left behind make the container fail with EACCES: say which.
    const entries = await fs.readdir(p.config).catch(() => [] as string[]);
    for (const e of entries) {
      const st = await fileState(path.join(p.config, e));
      if (st.kind !== 'missing' && !owns(ctx, st.uid)) warnings.push(`${path.join(p.config, e)} is owned by uid ${st.uid}, not ${a.name}: the gateway gets EACCES on it (fix: sudo chown -R ${a.name}: ${p.config})`);
    }
    return { ok: `state dirs ${p.config} and ${p.workspace} (0700, owner ${a.name})`, actions, warnings };
  },
};

export const launcherStep: Step<Ctx> = {
  name: 'launcher',
  async check(ctx) {
    const dest = paths(ctx).launcher;
    const source = await fs.readFile(path.join(ctx.repo, 'scripts', 'run-openclaw-podman.sh'), 'utf8');
    const st = await fileState(dest);
    if (st.kind === 'file' && st.mode === 0o755 && owns(ctx, st.uid) && (await readNoFollow(dest)) === source) return { ok: `launcher ${dest}` };
    if (st.kind !== 'missing' && st.kind !== 'file') throw new OpenclawError(`launcher: refusing to replace ${dest}: it is a ${st.kind}`, { hint: 'move it away, then re-run setup' });
    return { actions: [writeAsUser(ctx, dest, source, 0o755, `install launcher ${dest} (mode 0755, owner ${ctx.userName})`)] };
  },
};

export const tokenStep: Step<Ctx> = {
  name: 'token',
  async check(ctx) {
    const file = paths(ctx).envFile;
    const st = await fileState(file);
    if (st.kind !== 'missing' && st.kind !== 'file') throw new OpenclawError(`token: refusing ${file}: it is a ${st.kind}`, { hint: 'replace it with a regular file, or remove it to get a new token' });
    if (st.kind === 'file' && !owns(ctx, st.uid)) throw new OpenclawError(`token: ${file} is owned by uid ${st.uid}, not ${ctx.userName}`, { hint: `sudo chown ${ctx.userName}: ${file}` });
    const text = (await readNoFollow(file)) ?? '';
    const has = (parseDotenv(text).get('OPENCLAW_GATEWAY_TOKEN') ?? '') !== '';
    if (has && st.mode === 0o600) return { ok: `token OPENCLAW_GATEWAY_TOKEN in ${file} (kept, mode 0600)` };
    const what = has ? `chmod 0600 ${file} (was ${octal(st.mode)})` : `generate OPENCLAW_GATEWAY_TOKEN into ${file} (mode 0600, owner ${ctx.userName})`;
    return {
      actions: [
        action(what, async () => {
          const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
          if (!has) {
            const token = await generateToken();
            const i = lines.findIndex((l) => /^\s*(export\s+)?OPENCLAW_GATEWAY_TOKEN\s*=/.test(l));
            if (i >= 0) lines[i] = `OPENCLAW_GATEWAY_TOKEN=${token}`;
            else lines.push(`OPENCLAW_GATEWAY_TOKEN=${token}`);
          }
          await writeAsUser(ctx, file, lines.join('\n') + '\n', 0o600).apply();
        }),
      ],
    };
  },
};

export function seedConfig(port: number): string {
  const config = { gateway: { mode: 'local', controlUi: { allowedOrigins: [`http://127.0.0.1:${port}`, `http://localhost:${port}`] } } };
  return JSON.stringify(config, null, 2) + '\n';
}

export const configStep: Step<Ctx> = {
  name: 'config',
  async check(ctx) {
    const file = paths(ctx).configFile;
    const text = await readNoFollow(file);
    if (text === undefined) return { actions: [writeAsUser(ctx, file, seedConfig(ctx.gatewayPort), 0o600, `write ${file} (gateway.mode=local, allowedOrigins for port ${ctx.gatewayPort}; mode 0600)`)] };
    let mode: unknown;
    try {
      mode = (JSON5.parse(text) as { gateway?: { mode?: unknown } })?.gateway?.mode;
    } catch (err) {
      return { warnings: [`${file} is not valid JSON5 (${(err as Error).message}): left unchanged; the gateway will refuse to start until it is fixed`] };
    }
    if (mode !== 'local') {
      return { warnings: [`${file} has no gateway.mode="local": left unchanged, and the gateway will refuse to start (fix: set "gateway": {"mode": "local"} in that file)`] };
    }
    return { ok: `config ${file} (kept)` };
  },
};
