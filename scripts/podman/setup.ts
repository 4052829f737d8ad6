#!/usr/bin/env node
// Summary: Set up the OpenClaw gateway under rootless Podman for a dedicated user (default: openclaw)
// Usage: setup-podman.sh [--container|--quadlet] [--dry-run] [--user NAME] [--fix-subids] [--rebuild]
//
// Runs as root (or as NAME itself, for --user "$USER"). Each step checks first and changes only
// what is missing; a second run prints only `ok` lines.
//
//   1. create the user NAME (nologin shell, home) if missing
//   2. check /etc/subuid and /etc/subgid for a non-overlapping range of 65536 (--fix-subids adds it)
//   3. --quadlet: warn when cgroups v2 is absent; enable linger
//   4. create /run/user/UID when no logind does it
//   5. ~NAME/.openclaw and its workspace (0700); build the image in NAME's own store (skipped while
//      the image matches the checkout and build args, unless --rebuild)
//   6. install ~NAME/run-openclaw-podman.sh; OPENCLAW_GATEWAY_TOKEN into ~NAME/.openclaw/.env (0600,
//      kept on re-runs); a minimal openclaw.json (gateway.mode=local) if there is none
//   7. --quadlet: ~NAME/.config/containers/systemd/openclaw.container, daemon-reload and start
//
// Options:
//   --container      image, launcher, token and config only (the default)
//   --quadlet        also install and start the Quadlet unit
//   -n, --dry-run    Simulate setup: probe everything, print "would" lines, change nothing
//   --user NAME      the user to run the gateway as (default: $OPENCLAW_PODMAN_USER or openclaw)
//   --fix-subids     add missing /etc/subuid and /etc/subgid ranges with usermod
//   --rebuild        build the image even when it is current
//   -h, --help       show this help
//
// Environment:
//   OPENCLAW_PODMAN_QUADLET=1|0            overrides --quadlet/--container (also yes/no, true/false)
//   OPENCLAW_PODMAN_USER                   default for --user
//   OPENCLAW_PODMAN_IMAGE                  image name (default localhost/openclaw-kit:local)
//   OPENCLAW_PODMAN_GATEWAY_HOST_PORT      loopback port for the gateway (default 18789)
//   OPENCLAW_PODMAN_BRIDGE_HOST_PORT       loopback port for the bridge (default 18790)
//   OPENCLAW_BASE_IMAGE, OPENCLAW_IMAGE_APT_PACKAGES, OPENCLAW_DOCKER_APT_PACKAGES,
//   OPENCLAW_INSTALL_DOCKER_CLI            image build args (same as the Docker setup)
//   OPENCLAW_DEBUG=1                       stack traces for unexpected errors
//
// Exit status: 0 done (or nothing to do), 1 a step failed, 2 usage error.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags } from '../../lib/args.js';
import { EXIT, UsageError } from '../../lib/errors.js';
import { headerHelp, headerUsage } from '../../lib/setup/help.js';
import { probe } from '../../lib/setup/exec.js';
import { runSteps, say, type Step } from '../../lib/setup/step.js';
import { containerName, imageRef, port, userName } from '../../lib/setup/validate.js';
import { lookupAccount, paths, type Ctx } from './context.js';
import { imageStep } from './image.js';
import { cgroupsStep, lingerStep, runtimeDirStep, subidStep, userStep } from './steps-host.js';
import { configStep, launcherStep, stateDirsStep, tokenStep } from './steps-files.js';
import { activateStep, quadletStep, renderFor } from './steps-quadlet.js';
import { reportFailure, runIfMain } from '../../lib/setup/entry.js';

export const DEFAULT_IMAGE = 'localhost/openclaw-kit:local';
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const STEPS: Step<Ctx>[] = [userStep, subidStep, cgroupsStep, lingerStep, runtimeDirStep, stateDirsStep, imageStep, launcherStep, tokenStep, configStep, quadletStep, activateStep];

export function quadletFromEnv(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  const v = value.toLowerCase();
  if (['1', 'yes', 'true'].includes(v)) return true;
  if (['0', 'no', 'false'].includes(v)) return false;
  throw new UsageError(`OPENCLAW_PODMAN_QUADLET: expected 1/yes/true or 0/no/false, got '${value}'`);
}

async function buildContext(argv: string[], env: NodeJS.ProcessEnv): Promise<Ctx | undefined> {
  const usage = headerUsage(import.meta.url);
  const { values } = parseFlags(
    argv,
    {
      container: { type: 'boolean' },
      quadlet: { type: 'boolean' },
      'dry-run': { type: 'boolean', short: 'n' },
      user: { type: 'string' },
      'fix-subids': { type: 'boolean' },
      rebuild: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    usage,
    false,
  );
  if (values.help) {
    process.stdout.write(headerHelp(import.meta.url));
    return undefined;
  }
  if (values.container && values.quadlet) throw new UsageError('--container and --quadlet are exclusive', `usage: ${usage}`);
  const quadlet = quadletFromEnv(env.OPENCLAW_PODMAN_QUADLET) ?? values.quadlet === true;
  if (quadlet && os.platform() !== 'linux') throw new UsageError(`--quadlet needs Linux (this is ${os.platform()})`, 'use --container');
  const euid = env.OPENCLAW_TEST_EUID !== undefined ? Number(env.OPENCLAW_TEST_EUID) : process.geteuid!();
  const name = userName(values.user ?? env.OPENCLAW_PODMAN_USER ?? 'openclaw', values.user !== undefined ? '--user' : env.OPENCLAW_PODMAN_USER ? 'OPENCLAW_PODMAN_USER' : 'default user');
  let self = false;
  if (euid !== 0) {
    const me = await lookupAccount(String(euid));
    self = me?.name === name;
    if (!self) {
      throw new UsageError(`must run as root to set up user '${name}' (running as ${me?.name ?? `uid ${euid}`})`, `try: sudo ./setup-podman.sh ${argv.join(' ')}, or for your own user: ./setup-podman.sh --user ${me?.name ?? '$USER'}`.trimEnd());
    }
  }
  const getenforce = await probe(['getenforce']);
  return {
    repo: REPO,
    mode: quadlet ? 'quadlet' : 'container',
    userName: name,
    account: undefined,
    self,
    euid,
    sysroot: env.OPENCLAW_TEST_SYSROOT ?? '',
    dryRun: values['dry-run'] === true,
    fixSubids: values['fix-subids'] === true,
    rebuild: values.rebuild === true,
    image: imageRef(env.OPENCLAW_PODMAN_IMAGE || DEFAULT_IMAGE, 'OPENCLAW_PODMAN_IMAGE'),
    containerName: containerName('openclaw', 'container name'),
    gatewayPort: port(env.OPENCLAW_PODMAN_GATEWAY_HOST_PORT || 18789, 'OPENCLAW_PODMAN_GATEWAY_HOST_PORT'),
    bridgePort: port(env.OPENCLAW_PODMAN_BRIDGE_HOST_PORT || 18790, 'OPENCLAW_PODMAN_BRIDGE_HOST_PORT'),
    env,
    unitStale: false,
    notStarted: undefined,
    selinux: getenforce.code === 0 && /^(Enforcing|Permissive)$/i.test(getenforce.stdout.trim()),
  };
}

function nextSteps(ctx: Ctx): string[] {
  const a = ctx.account!;
  const p = paths(ctx);
  const sudo = ctx.self ? '' : 'sudo ';
  const lines = [
    '==> next steps',
    `  Control UI:  http://127.0.0.1:${ctx.gatewayPort}/  (the token is OPENCLAW_GATEWAY_TOKEN in ${p.envFile}, mode 0600)`,
    `  Token:       ${sudo}grep OPENCLAW_GATEWAY_TOKEN ${p.envFile}`,
  ];
  if (ctx.mode === 'quadlet') {
    const ctl = ctx.self ? 'systemctl --user' : `sudo systemctl --machine ${a.name}@ --user`;
    lines.push(
      `  Start:       ${ctl} start ${ctx.containerName}${ctx.notStarted ? `   (not started by setup: ${ctx.notStarted})` : ''}`,
      `  Status:      ${ctl} status ${ctx.containerName}`,
      `  Logs:        ${ctx.self ? `journalctl --user -u ${ctx.containerName} -f` : `sudo journalctl --user-unit ${ctx.containerName}.service _UID=${a.uid} -f`}`,
      `  Stop:        ${ctl} stop ${ctx.containerName}`,
    );
  } else {
    const as = ctx.self ? '' : `sudo -u ${a.name} `;
    lines.push(
      `  Start:       ${as}${p.launcher} launch`,
      `  Logs:        ${ctx.self ? '' : `sudo -u ${a.name} env XDG_RUNTIME_DIR=/run/user/${a.uid} `}podman logs -f ${ctx.containerName}`,
      `  At boot:     ${ctx.self ? 'crontab -e' : `sudo crontab -u ${a.name} -e`}   and add:  @reboot ${p.launcher} launch >>${p.config}/launch.log 2>&1`,
    );
  }
  return lines;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const ctx = await buildContext(argv, env);
    if (!ctx) return EXIT.OK;
    const t0 = performance.now();
    say(`==> openclaw podman setup: ${ctx.mode} for user ${ctx.userName}${ctx.dryRun ? ' (dry run: nothing is changed)' : ''}`);
    const [first, ...rest] = STEPS;
    const s1 = await runSteps([first!], ctx, { dryRun: ctx.dryRun });
    if (!ctx.account) {
      // Only under --dry-run: every later step depends on the new user's uid and home.
      say(`would  run the remaining steps for the new user ${ctx.userName} (subuid/subgid, runtime dir, image, launcher, token, config${ctx.mode === 'quadlet' ? ', quadlet, start' : ''})`);
      return EXIT.OK;
    }
    if (ctx.mode === 'quadlet') renderFor(ctx); // bad paths fail here, before anything changes
    const s2 = await runSteps(rest, ctx, { dryRun: ctx.dryRun });
    const changed = s1.changed + s2.changed;
    const would = s1.would + s2.would;
    say(`==> ${ctx.dryRun ? `${would} change(s) would be made` : changed ? `${changed} change(s) made` : 'nothing to do'} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    for (const line of nextSteps(ctx)) say(line);
    return EXIT.OK;
  } catch (err) {
    return reportFailure(err, env);
  }
}

await runIfMain(import.meta.url, main);
