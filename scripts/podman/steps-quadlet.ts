// --quadlet: render the unit from the typed model, check it with the Quadlet generator when one is
// installed, install it for the user, then daemon-reload + start through the user's manager
// (never `enable`: generated units cannot be enabled; [Install] plus linger starts it at boot).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OpenclawError } from '../../lib/errors.js';
import { commandAction, probe } from '../../lib/setup/exec.js';
import { action, type Step } from '../../lib/setup/step.js';
import { account, asUser, fileState, mkdirAsUser, paths, readNoFollow, sys, writeAsUser, type Ctx } from './context.js';
import { hostSystemd } from './steps-host.js';
import { renderGatewayQuadlet } from './unit.js';

const GENERATORS = ['/usr/libexec/podman/quadlet', '/usr/local/libexec/podman/quadlet', '/usr/lib/podman/quadlet'];

export function renderFor(ctx: Ctx): string {
  const p = paths(ctx);
  return renderGatewayQuadlet({
    image: ctx.image,
    containerName: ctx.containerName,
    configDir: p.config,
    workspaceDir: p.workspace,
    envFile: p.envFile,
    gatewayPort: ctx.gatewayPort,
    bridgePort: ctx.bridgePort,
    selinux: ctx.selinux,
  });
}

/** Run the rendered unit through `quadlet -dryrun -user` in a scratch dir, if a generator exists. */
async function validate(ctx: Ctx, unit: string): Promise<string | undefined> {
  let generator: string | undefined;
  for (const g of GENERATORS) if ((await fileState(sys(ctx, g))).kind === 'file') { generator = sys(ctx, g); break; }
  if (!generator) return undefined;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'openclaw-quadlet-'));
  try {
    writeFileSync(path.join(dir, `${ctx.containerName}.container`), unit);
    const r = await probe([generator, '-dryrun', '-user'], { env: { ...process.env, QUADLET_UNIT_DIRS: dir } });
    if (r.code !== 0 || !r.stdout.includes(`---${ctx.containerName}.service---`)) {
      throw new OpenclawError(`quadlet: ${generator} rejected the rendered unit: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' | ')}`, { hint: 'report this with the output of setup --dry-run' });
    }
    return generator;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const quadletStep: Step<Ctx> = {
  name: 'quadlet',
  when: (ctx) => ctx.mode === 'quadlet',
  async check(ctx) {
    const p = paths(ctx);
    const unit = renderFor(ctx);
    const generator = await validate(ctx, unit);
    const checked = generator ? `, accepted by ${generator}` : '';
    const st = await fileState(p.quadletFile);
    if (st.kind === 'file' && (await readNoFollow(p.quadletFile)) === unit) return { ok: `quadlet ${p.quadletFile}${checked}` };
    if (st.kind !== 'missing' && st.kind !== 'file') throw new OpenclawError(`quadlet: refusing to replace ${p.quadletFile}: it is a ${st.kind}`);
    ctx.unitStale = true;
    const dir = await fileState(p.quadletDir);
    return { actions: [...(dir.kind === 'missing' ? [mkdirAsUser(ctx, p.quadletDir, 0o755)] : []), writeAsUser(ctx, p.quadletFile, unit, 0o644, `write ${p.quadletFile} (mode 0644${checked})`)] };
  },
};

export const activateStep: Step<Ctx> = {
  name: 'systemd',
  when: (ctx) => ctx.mode === 'quadlet',
  async check(ctx) {
    const a = account(ctx);
    const service = `${ctx.containerName}.service`;
    const userctl = (...args: string[]) => asUser(ctx, ['systemctl', '--user', ...args]);
    const managerUp = (await fileState(sys(ctx, `/run/user/${a.uid}/systemd/private`))).kind !== 'missing';
    const start = [];
    if (!managerUp) {
      if (ctx.euid !== 0 || !(await hostSystemd(ctx))) {
        ctx.notStarted = ctx.euid !== 0 ? `no user manager for ${a.name} is running` : 'systemd is not running on this host';
        return { warnings: [`Quadlet installed but not started: ${ctx.notStarted} (start it with: sudo systemctl --machine ${a.name}@ --user start ${ctx.containerName})`] };
      }
      start.push(commandAction(['systemctl', 'start', `user@${a.uid}.service`]));
    }
    const active = managerUp ? (await probe(userctl('is-active', service))).stdout.trim() : 'inactive';
    if (active === 'active' && !ctx.unitStale) return { ok: `${service} active for ${a.name}` };
    const as = ctx.self ? '' : `as ${a.name}: `;
    return {
      actions: [
        ...start,
        action(`${as}systemctl --user daemon-reload`, async () => {
          await commandAction(userctl('daemon-reload')).apply();
          ctx.unitStale = false;
        }),
        commandAction(userctl(active === 'active' ? 'restart' : 'start', service), {
          text: `${as}systemctl --user ${active === 'active' ? 'restart' : 'start'} ${service}`,
          hint: `see: sudo systemctl --machine ${a.name}@ --user status ${service}`,
        }),
      ],
    };
  },
};
