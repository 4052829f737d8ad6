// `openclaw onboard` (alias `openclaw setup`): the first-run wizard. On a terminal it asks; with
// --non-interactive, without a terminal, or under CI/NONINTERACTIVE it takes flags and what is
// already configured, and a missing answer is an error naming its flag. Either way the same steps
// plan the same edits (runtime/onboard/), and nothing is written before the plan is complete.
import { EXIT } from '../../lib/errors.js';
import { tildify } from '../../lib/paths.js';
import { detectContainer } from '../gateway/bind.js';
import { onPath, installDaemon, type DaemonResult } from '../onboard/daemon.js';
import { parseOnboardFlags, USAGE, type OnboardFlags } from '../onboard/flags.js';
import { applyPlan, buildPlan, nothingToDo, summary, type Applied, type Built } from '../onboard/plan.js';
import { readCurrent } from '../onboard/state.js';
import { missing, STEPS, type Ctx } from '../onboard/steps.js';
import { Interrupted, ttyPrompter } from '../onboard/tty.js';
import { printJson, type Command } from './command.js';

export const command: Command = {
  name: 'onboard',
  summary: 'First-run setup wizard for this gateway (onboard and setup are one command)',
  usage: USAGE,
  help: `
On a terminal, asks for each setting, shows the files and keys it will write, and writes nothing
until you confirm (Ctrl-C at any step quits without writing). Without a terminal (or with
--non-interactive, CI or NONINTERACTIVE set) every answer comes from a flag, the current config, or
a safe default; a missing answer is an error naming the flag. A flag always answers its question.

Secrets never go into openclaw.json: the gateway token, password and API keys are stored in
~/.openclaw/.env (mode 0600) and openclaw.json refers to them ({source:"env", id:VAR}). Re-running
keeps the token and keys unless you choose new ones; every write is atomic and keeps a .bak.

Options:
  --non-interactive             never prompt (the default without a terminal)
  --mode local                  required on a fresh setup (remote is not supported)
  --gateway-bind MODE           loopback (default) | lan | auto | tailnet
  --gateway-port PORT           default 18789
  --gateway-auth token|password default token
  --gateway-token TOKEN         use this token (visible in ps; prefer --gateway-token-ref-env)
  --gateway-token-ref-env VAR   refer to the token in \$VAR (must be set; not copied anywhere)
  --gateway-password PASSWORD   with --gateway-auth password (or export OPENCLAW_GATEWAY_PASSWORD)
  --workspace DIR               agent workspace (default ~/.openclaw/workspace)
  --provider ID                 openai | anthropic | ollama | lmstudio | groq | openrouter | vllm |
                                custom (an OpenAI-compatible URL) | none
  --api-key-env VAR             read the provider key from \$VAR (stored in ~/.openclaw/.env)
  --base-url URL                provider URL (required for custom)
  --model MODEL                 default model (default: a per-provider choice or the first listed)
  --skip-check                  do not contact the provider
  --sandbox off|non-main|all    agents.defaults.sandbox.mode
  --install-daemon              install and start the systemd user service (openclaw gateway install)
  --no-install-daemon           do not (default without a terminal); alias --skip-daemon
  --reset --yes                 start over: back up both files (.bak), then set up from scratch
  -y, --yes                     skip the confirmation
  --json                        print the result as JSON on stdout

Examples:
  openclaw onboard
  openclaw onboard --non-interactive --mode local --gateway-bind lan \\
    --provider anthropic --api-key-env ANTHROPIC_API_KEY --install-daemon
  openclaw setup --mode local --no-install-daemon --gateway-auth token \\
    --gateway-token-ref-env OPENCLAW_GATEWAY_TOKEN --json`,
  async run(argv) {
    const flags = parseOnboardFlags(argv);
    const noPrompt = whyNoPrompt(flags);
    const interactive = noPrompt === undefined;
    const cur = await readCurrent(process.env, flags.reset);
    const ctx: Ctx = {
      flags,
      cur,
      // OPENCLAW_ONBOARD_CONTAINER=0|1 overrides the detection (a host with a stray /.dockerenv, tests).
      inContainer: process.env.OPENCLAW_ONBOARD_CONTAINER ? process.env.OPENCLAW_ONBOARD_CONTAINER === '1' : detectContainer(process.env) !== undefined,
      hasSystemctl: onPath('systemctl'),
      answers: {},
      warnings: [],
      ...(noPrompt && !flags.nonInteractive ? { whyNoPrompt: noPrompt } : {}),
    };
    if (flags.reset && !flags.yes && !interactive) throw missing(ctx, '--yes', '--reset replaces the current setup', 'add --yes to confirm (both files are kept as .bak)');
    const say = (line: string) => process.stderr.write(`${line}\n`);
    let built: Built;
    if (interactive) {
      const b = await interview(ctx);
      if (b === undefined) return EXIT.FAILURE;
      built = b;
    } else {
      for (const step of STEPS) await step.decide(ctx);
      built = buildPlan(ctx);
      for (const w of ctx.warnings) say(`warn  ${w}`);
    }
    const applied = await applyPlan(ctx, built, say);
    let daemon: DaemonResult | undefined;
    if (ctx.answers.installDaemon) daemon = await installDaemon(ctx.answers.port!, ctx.inContainer, say);
    if (flags.json) printJson(result(ctx, applied, daemon));
    else nextSteps(ctx, daemon).forEach(say);
    return daemon && !daemon.installed ? EXIT.FAILURE : EXIT.OK;
  },
};

function whyNoPrompt(flags: OnboardFlags): string | undefined {
  if (flags.nonInteractive) return '--non-interactive';
  if (!process.stdin.isTTY) return 'stdin is not a terminal, so nothing was asked';
  if (!process.stderr.isTTY) return 'stderr is not a terminal, so nothing was asked';
  if (process.env.CI) return 'CI is set, so nothing was asked';
  if (process.env.NONINTERACTIVE) return 'NONINTERACTIVE is set, so nothing was asked';
  return undefined;
}

/** Ask every step on the terminal, show the summary, and return the plan once confirmed. */
async function interview(ctx: Ctx): Promise<Built | undefined> {
  const ui = ttyPrompter();
  try {
    ui.say('OpenClaw setup. Nothing is written until you confirm the summary at the end; Ctrl-C quits at any step.');
    if (ctx.cur.reset) {
      ui.say(`  --reset: starting over; ${tildify(ctx.cur.paths.configPath)} and ${tildify(ctx.cur.paths.envFile)} will be kept as .bak`);
    } else if (ctx.cur.configExists) {
      ui.say(`  Existing setup found in ${tildify(ctx.cur.paths.configPath)}: its values are the defaults below.`);
    }
    ui.say();
    for (const step of STEPS) await step.ask(ctx, ui);
    const built = buildPlan(ctx);
    ui.say();
    for (const line of summary(ctx, built)) ui.say(line);
    if (ctx.answers.installDaemon) ui.say('  then: openclaw gateway install (systemd user unit, enabled and started)');
    for (const w of ctx.warnings) ui.say(`  warning: ${w}`);
    if (nothingToDo(built) && !ctx.answers.installDaemon) return built;
    if (!ctx.flags.yes && !(await ui.confirm('Write these files?', true))) {
      ui.say('Nothing was written.');
      return undefined;
    }
    return built;
  } catch (err) {
    if (err instanceof Interrupted) process.stderr.write('\r\n');
    throw err;
  } finally {
    ui.close();
  }
}

function nextSteps(ctx: Ctx, daemon: DaemonResult | undefined): string[] {
  const a = ctx.answers;
  const where = a.auth!.store !== undefined || a.auth!.origin === 'kept' ? `${tildify(ctx.cur.paths.envFile)} (${a.auth!.variable})` : `$${a.auth!.variable}`;
  const lines = ['', `Gateway: ${a.bind} on port ${a.port}, ${a.auth!.mode} auth; the ${a.auth!.mode} is in ${where} (not printed).`];
  if (a.provider) lines.push(`Model: ${a.provider.id}/${a.provider.model}${a.provider.check ? ` (check: ${a.provider.check.ok ? 'ok' : a.provider.check.message})` : ''}`);
  lines.push('Next:');
  if (daemon?.installed) lines.push(`  systemctl --user status ${daemon.unit}   (the gateway is running as a service)`);
  else lines.push('  openclaw gateway          start it in the foreground');
  lines.push('  openclaw health           check it', '  openclaw dashboard        open the Control UI');
  return lines;
}

function result(ctx: Ctx, applied: Applied, daemon: DaemonResult | undefined): Record<string, unknown> {
  const a = ctx.answers;
  const p = a.provider;
  return {
    ok: daemon === undefined || daemon.installed,
    configPath: ctx.cur.paths.configPath,
    envFile: ctx.cur.paths.envFile,
    written: applied,
    gateway: { mode: a.mode, bind: a.bind, port: a.port, auth: { mode: a.auth!.mode, ref: { source: 'env', provider: 'default', id: a.auth!.variable }, origin: a.auth!.origin } },
    workspace: a.workspace,
    provider: p ? { id: p.id, model: `${p.id}/${p.model}`, baseUrl: p.baseUrl, apiKeyRef: p.keyVariable ? { source: 'env', provider: 'default', id: p.keyVariable } : null, check: p.check ?? null } : null,
    sandbox: a.sandbox ?? null,
    daemon: daemon ?? { installed: false, reason: 'not requested' },
    warnings: ctx.warnings,
  };
}
