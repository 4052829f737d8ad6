#!/usr/bin/env node
// Summary: Set up the OpenClaw gateway with Docker Compose (image, dirs, token, overlays, config, start)
// Usage: docker-setup.sh [--dry-run] [--rebuild]
//
// Each step checks first and changes only what is missing; a second run prints only `ok` lines.
//
//   1. docker and the compose plugin answer
//   2. the config and workspace dirs exist (OPENCLAW_CONFIG_DIR, OPENCLAW_WORKSPACE_DIR)
//   3. .env in this checkout: image, host paths, port, bind, switches and OPENCLAW_GATEWAY_TOKEN
//      (kept on re-runs; other lines are left alone; mode 0600)
//   4. docker-compose.extra.yml from OPENCLAW_EXTRA_MOUNTS / OPENCLAW_HOME_VOLUME (removed when unset)
//   5. the image: built from this checkout (skipped while current), or pulled when OPENCLAW_IMAGE
//      names a published one
//   6. the config dir owned by uid 1000 (the container's node user)
//   7. onboarding (unless OPENCLAW_SKIP_ONBOARDING), then gateway.mode=local, gateway.bind and the
//      loopback allowedOrigins, written by `openclaw config` in a one-off gateway container
//   8. OPENCLAW_SANDBOX=1: sandbox image, docker-compose.sandbox.yml (engine socket),
//      agents.defaults.sandbox.mode=non-main; on any failure: mode off, overlay removed, and why
//   9. docker compose up -d openclaw-gateway, then wait for /healthz on the published port
//
// Options:
//   -n, --dry-run    Simulate setup: probe everything, print "would" lines, change nothing
//   --rebuild        build the image (and the sandbox image) even when current
//   -h, --help       show this help
//
// Environment (each also read back from .env, so a re-run keeps it; set it empty to drop it):
//   OPENCLAW_IMAGE                 default openclaw-kit:local (built); localhost/* or *:local are
//                                  built too, anything else is pulled when missing
//   OPENCLAW_CONFIG_DIR            default ~/.openclaw
//   OPENCLAW_WORKSPACE_DIR         default $OPENCLAW_CONFIG_DIR/workspace
//   OPENCLAW_GATEWAY_PORT          host port (default 18789)
//   OPENCLAW_GATEWAY_BIND          bind mode inside the container (default lan)
//   OPENCLAW_PUBLISH_HOST          host address to publish on (default 127.0.0.1; 0.0.0.0 = every interface)
//   OPENCLAW_GATEWAY_TOKEN         the token (default: kept from config/.env, else generated)
//   OPENCLAW_IMAGE_APT_PACKAGES    extra Debian packages in the image (legacy: OPENCLAW_DOCKER_APT_PACKAGES)
//   OPENCLAW_BASE_IMAGE, OPENCLAW_INSTALL_DOCKER_CLI   other image build args
//   OPENCLAW_EXTRA_MOUNTS          source:target[:ro|rw|z|Z],... for both services
//   OPENCLAW_HOME_VOLUME           named volume (or absolute path) for /home/node
//   OPENCLAW_SANDBOX               1/true/yes/on: agent sandboxes through the engine socket
//   OPENCLAW_DOCKER_SOCKET         default: the DOCKER_HOST unix socket, else /var/run/docker.sock
//   OPENCLAW_SANDBOX_IMAGE         default openclaw-sandbox:bookworm-slim (OPENCLAW_SANDBOX_BASE_IMAGE: its base)
//   OPENCLAW_DISABLE_BONJOUR       default 1 (mDNS off in containers)
//   COMPOSE_PROJECT_NAME           compose project (default: the checkout's directory name)
//   OPENCLAW_SKIP_ONBOARDING       truthy: skip onboarding for this run (never saved)
//   OPENCLAW_DEBUG=1               stack traces for unexpected errors
//
// Exit status: 0 done (a sandbox rollback is reported, not fatal), 1 a step failed, 2 usage error.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags } from '../../lib/args.js';
import { readDotenv } from '../../lib/dotenv.js';
import { EXIT, formatError } from '../../lib/errors.js';
import { headerHelp, headerUsage } from '../../lib/setup/help.js';
import { runSteps, say, type Summary } from '../../lib/setup/step.js';
import { compose, envFile, GATEWAY, opts, type Ctx } from './compose.js';
import { resolveSettings } from './settings.js';
import {
  composeFileStep,
  configStep,
  dirsStep,
  engineStep,
  envFileStep,
  extraOverlayStep,
  imageStep,
  permissionsStep,
  sandboxImageStep,
  sandboxReachable,
  sandboxStep,
  upStep,
} from './steps.js';
import { mustRun } from '../../lib/setup/exec.js';
import { reportFailure, runIfMain } from '../../lib/setup/entry.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

async function buildContext(argv: string[], env: NodeJS.ProcessEnv, repo: string): Promise<Ctx | undefined> {
  const usage = headerUsage(import.meta.url);
  const { values } = parseFlags(argv, { 'dry-run': { type: 'boolean', short: 'n' }, rebuild: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, usage, false);
  if (values.help) {
    process.stdout.write(headerHelp(import.meta.url));
    return undefined;
  }
  const version = (JSON.parse(await fs.readFile(path.join(repo, 'package.json'), 'utf8')) as { version: string }).version;
  const dotenv = await readDotenv(path.join(repo, '.env'));
  const s = resolveSettings(env, dotenv, { version });
  // Compose reads COMPOSE_PROJECT_NAME from .env too, but the shell wins there as well.
  return { repo, s, env: { ...env }, dryRun: values['dry-run'] === true, rebuild: values.rebuild === true, version };
}

async function waitHealthy(ctx: Ctx, deadlineS: number): Promise<number> {
  const host = ['0.0.0.0', '::', '[::]'].includes(ctx.s.publishHost) ? '127.0.0.1' : ctx.s.publishHost.includes(':') && !ctx.s.publishHost.startsWith('[') ? `[${ctx.s.publishHost}]` : ctx.s.publishHost;
  const url = `http://${host}:${ctx.s.port}/healthz`;
  const t0 = performance.now();
  let last = '';
  while ((performance.now() - t0) / 1000 < deadlineS) {
    // A ref'd timer rather than AbortSignal.timeout(): while docker-proxy holds a connection open
    // before the gateway listens, nothing else keeps the process alive.
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 3000);
    try {
      const r = await fetch(url, { signal: ac.signal });
      await r.arrayBuffer();
      if (r.status === 200) return (performance.now() - t0) / 1000;
      last = `HTTP ${r.status}`;
    } catch (err) {
      last = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    } finally {
      clearTimeout(timer);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const logs = await mustRun(compose(ctx, 'logs', '--no-color', '--tail', '20', GATEWAY), opts(ctx)).catch(() => undefined);
  if (logs) process.stderr.write(logs.stdout.split('\n').map((l) => `    ${l}`).join('\n') + '\n');
  throw new Error(`gateway: ${url} did not answer 200 within ${deadlineS} s (last: ${last})`);
}

function add(a: Summary, b: Summary): Summary {
  return { ok: a.ok + b.ok, changed: a.changed + b.changed, would: a.would + b.would, warnings: a.warnings + b.warnings };
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, repo = REPO): Promise<number> {
  try {
    const ctx = await buildContext(argv, env, repo);
    if (!ctx) return EXIT.OK;
    const t0 = performance.now();
    const run = { dryRun: ctx.dryRun };
    say(`==> openclaw docker setup in ${ctx.repo}${ctx.dryRun ? ' (dry run: nothing is changed)' : ''}`);
    let total = await runSteps([engineStep, dirsStep, envFileStep, extraOverlayStep, imageStep, permissionsStep, configStep], ctx, run);
    if (ctx.s.sandbox) {
      try {
        total = add(total, await runSteps([sandboxImageStep], ctx, run));
      } catch (err) {
        ctx.sandboxRollback = formatError(err).replace(/^openclaw: /, '');
      }
    }
    total = add(total, await runSteps([sandboxStep, composeFileStep, upStep], ctx, run));
    if (ctx.sandboxOn && !ctx.dryRun) {
      const problem = await sandboxReachable(ctx);
      if (problem) {
        ctx.sandboxRollback = problem;
        ctx.sandboxOn = false;
        total = add(total, await runSteps([sandboxStep, composeFileStep, upStep], ctx, run));
      }
    }
    if (ctx.sandboxRollback) {
      say(`warn  sandbox: not enabled: ${ctx.sandboxRollback}; agents.defaults.sandbox.mode=off and docker-compose.sandbox.yml removed (fix it, then re-run with OPENCLAW_SANDBOX=1)`);
      total.warnings++;
    }
    const healthS = ctx.dryRun ? undefined : await waitHealthy(ctx, Number(env.OPENCLAW_DOCKER_SETUP_HEALTH_TIMEOUT_S || 120));
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    say(`==> ${ctx.dryRun ? `${total.would} change(s) would be made` : total.changed ? `${total.changed} change(s) made` : 'nothing to do'} in ${secs} s`);
    const host = ctx.s.publishHost === '0.0.0.0' ? '127.0.0.1' : ctx.s.publishHost;
    const dc = 'docker compose';
    say(`==> gateway: http://${host}:${ctx.s.port}/${healthS === undefined ? '' : `  (healthy after ${healthS.toFixed(1)} s)`}`);
    say(`  Token:    OPENCLAW_GATEWAY_TOKEN in ${envFile(ctx)} (mode 0600, not printed): grep OPENCLAW_GATEWAY_TOKEN ${envFile(ctx)}`);
    say(`  Health:   ${dc} exec ${GATEWAY} openclaw health`);
    say(`  CLI:      ${dc} run --rm openclaw-cli status`);
    say(`  Logs:     ${dc} logs -f ${GATEWAY}`);
    say(`  Sandbox:  ${ctx.sandboxOn && !ctx.sandboxRollback ? `on (non-main) through ${ctx.s.socket.path}` : 'off'}`);
    if (ctx.s.publishHost !== '127.0.0.1') say(`warn  the port is published on ${ctx.s.publishHost}: anyone who can reach it can try the token (firewall it, or OPENCLAW_PUBLISH_HOST=127.0.0.1)`);
    return EXIT.OK;
  } catch (err) {
    return reportFailure(err, env);
  }
}

await runIfMain(import.meta.url, main);
