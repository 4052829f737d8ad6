// `openclaw sandbox list|recreate|explain|exec`: inspect and manage agent sandboxes directly through
// the engine CLI (no running gateway needed).
import { EXIT, UsageError } from '../../lib/errors.js';
import { parseFlags, parseIntFlag } from '../../lib/args.js';
import { resolvePaths } from '../../lib/paths.js';
import { loadConfig } from '../config/load.js';
import { buildCreatePlan } from '../sandbox/argv.js';
import { defaultAgentId } from '../sandbox/config.js';
import { filterEnv } from '../sandbox/env.js';
import { isHot, recreateCommand, SandboxManager } from '../sandbox/manager.js';
import { effectivePolicy } from '../sandbox/policy.js';
import { validateSandbox } from '../sandbox/validate.js';
import { helpText, printJson, wantsHelp, type Command } from './command.js';

const USAGE = 'sandbox list [--json] | recreate (--all | --agent ID | --session KEY) [--force] | explain [--agent ID] [--session KEY] [--json] | exec [--agent ID] [--session KEY] [--timeout MS] -- CMD...';

export const command: Command = {
  name: 'sandbox',
  summary: 'List, recreate, explain and exec into agent sandboxes',
  usage: USAGE,
  help: `
list      every container labelled openclaw.sandbox=1: state, image, age, idle, scope key, and
          whether it matches the current config ("recreate pending" when a hot container kept old settings)
recreate  remove the selected sandboxes; they are created again on next use. Containers used in the
          last 5 minutes are skipped unless --force
explain   the effective sandbox settings, tool policy, warnings and the exact create argv
exec      run a command in the agent's sandbox (created if needed), print its output, exit with its code`,
  async run(argv) {
    const [verb, ...rest] = argv;
    if (verb === undefined || wantsHelp(argv)) {
      process.stdout.write(helpText(command));
      return verb === undefined ? EXIT.USAGE : EXIT.OK;
    }
    const loaded = await loadConfig(resolvePaths().configPath);
    const mgr = new SandboxManager({ config: loaded.config, log: { info: () => {}, warn: (e, f) => process.stderr.write(`warn ${e} ${JSON.stringify(f)}\n`) } });
    try {
      switch (verb) {
        case 'list':
          return await list(mgr, rest);
        case 'recreate':
          return await recreate(mgr, rest);
        case 'explain':
          return await explain(mgr, loaded.config, rest);
        case 'exec':
          return await exec(mgr, rest);
        default:
          throw new UsageError(`sandbox: unknown subcommand '${verb}'`, 'use list, recreate, explain or exec');
      }
    } finally {
      await mgr.close();
    }
  },
};

function ago(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : s < 172800 ? `${Math.round(s / 3600)}h` : `${Math.round(s / 86400)}d`;
}

async function list(mgr: SandboxManager, argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { json: { type: 'boolean' } }, `openclaw ${USAGE}`, false);
  const engine = await mgr.engineFor(mgr.settings());
  const rows = await mgr.list(engine);
  if (values.json) {
    printJson(rows.map((r) => ({ ...r, hot: isHot(r, Date.now()) })));
    return EXIT.OK;
  }
  if (rows.length === 0) {
    process.stdout.write(`No sandboxes (${engine.kind}).\n`);
    return EXIT.OK;
  }
  const table = [['NAME', 'STATE', 'IMAGE', 'AGE', 'IDLE', 'SCOPE KEY', 'CONFIG'], ...rows.map((r) => [r.name, r.state, r.image, ago(r.createdAtMs), ago(r.lastUsedAtMs), r.scopeKey, r.current === undefined ? '?' : r.current ? 'current' : 'recreate pending'])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) process.stdout.write(row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n');
  return EXIT.OK;
}

async function recreate(mgr: SandboxManager, argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { all: { type: 'boolean' }, agent: { type: 'string' }, session: { type: 'string' }, force: { type: 'boolean' } }, `openclaw ${USAGE}`, false);
  const selectors = [values.all, values.agent, values.session].filter((v) => v !== undefined && v !== false);
  if (selectors.length !== 1) throw new UsageError('sandbox recreate: give exactly one of --all, --agent ID, --session KEY', `usage: openclaw ${USAGE}`);
  const engine = await mgr.engineFor(mgr.settings());
  const rows = (await mgr.list(engine)).filter((r) => values.all || (values.agent !== undefined && r.agentId === values.agent) || (values.session !== undefined && r.scopeKey === values.session));
  let removed = 0;
  let skipped = 0;
  let failed = 0;
  for (const r of rows) {
    if (!values.force && isHot(r, Date.now())) {
      process.stdout.write(`- Skipped ${r.name} (used in the last 5 minutes; add --force)\n`);
      skipped++;
    } else if (await mgr.remove(engine, r.name)) {
      process.stdout.write(`✓ Removed ${r.name}\n`);
      removed++;
    } else {
      process.stdout.write(`✗ Failed to remove ${r.name}\n`);
      failed++;
    }
  }
  process.stdout.write(`Done: ${removed} removed, ${skipped} skipped, ${failed} failed. They are recreated on next use.\n`);
  return failed ? EXIT.FAILURE : EXIT.OK;
}

async function explain(mgr: SandboxManager, config: Parameters<typeof effectivePolicy>[0], argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { agent: { type: 'string' }, session: { type: 'string' }, json: { type: 'boolean' } }, `openclaw ${USAGE}`, false);
  const agentId = values.agent ?? (values.session?.match(/^agent:([^:]+):/)?.[1] ?? defaultAgentId(config));
  const s = mgr.settings({ agentId, ...(values.session ? { sessionKey: values.session } : {}) });
  const policy = effectivePolicy(config, agentId);
  let engineNote: string;
  let argvText: string[] = [];
  let warnings: string[] = [];
  let error: string | undefined;
  try {
    const engine = await mgr.engineFor(s);
    engineNote = `${engine.kind}${engine.rootless ? ' (rootless)' : ''}, ${engine.detectedBy}`;
    try {
      warnings = validateSandbox(config, s, { backend: engine.kind, rootless: engine.rootless });
      argvText = [...engine.argv, ...buildCreatePlan(s, engine, { createdAtMs: Date.now(), envFile: '<0600 env file>' }).argv];
    } catch (err) {
      error = (err as Error).message + ((err as { hint?: string }).hint ? ` (${(err as { hint?: string }).hint})` : '');
    }
  } catch (err) {
    engineNote = `none: ${(err as Error).message}`;
  }
  const plan = argvText.length ? buildCreatePlan(s, { kind: 'docker', rootless: false, hostUser: { uid: 0, gid: 0 } }, { createdAtMs: 0, envFile: '' }) : undefined;
  const out = {
    agentId,
    sessionKey: s.sessionKey,
    runtime: s.sandboxed ? 'sandboxed' : 'direct',
    mode: s.mode,
    scope: s.scope,
    scopeKey: s.scopeKey,
    backend: engineNote,
    workspaceAccess: s.workspaceAccess,
    workspaceRoot: s.workspaceRoot,
    workspaceDir: s.workspaceDir,
    agentWorkspaceDir: s.agentWorkspaceDir,
    runtimeWorkdir: s.sandboxed ? s.docker.workdir : s.agentWorkspaceDir,
    docker: { ...s.docker, env: filterEnv(s.docker.env).env },
    prune: s.prune,
    ignoredOverrides: s.ignoredOverrides,
    blockedEnv: plan?.blockedEnv ?? [],
    warnings,
    error,
    tools: { allow: policy.allow, deny: policy.deny, sources: policy.sources },
    createArgv: argvText,
    recreate: recreateCommand(s),
    fixIt: ['tools.sandbox.tools.allow|alsoAllow|deny', `agents.list[${agentId}].tools.sandbox.tools.*`, 'agents.defaults.sandbox.*'],
  };
  if (values.json) {
    printJson(out);
    return error ? EXIT.CONFIG : EXIT.OK;
  }
  const lines = [
    `Sandbox for agent ${agentId} (session ${s.sessionKey})`,
    `  runtime: ${out.runtime}   mode: ${s.mode}   scope: ${s.scope} (${s.scopeKey})`,
    `  backend: ${engineNote}`,
    `  workspaceAccess: ${s.workspaceAccess}   workdir: ${out.runtimeWorkdir}`,
    `  workspace: ${s.workspaceDir}${s.workspaceAccess === 'ro' ? `   agent workspace (read-only at /agent): ${s.agentWorkspaceDir}` : ''}`,
    ...s.ignoredOverrides.map((k) => `  ignored (scope is shared): ${k}`),
    ...(plan?.blockedEnv ?? []).map((b) => `  env blocked: ${b.name} (${b.why})`),
    ...warnings.map((w) => `  warning: ${w}`),
    ...(error ? [`  REFUSED: ${error}`] : []),
    `Tools: allow ${policy.allow.join(', ')} (${policy.sources.allow})`,
    `       deny ${policy.deny.join(', ')} (${policy.sources.deny})`,
    `Create argv:`,
    argvText.length ? `  ${argvText.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ')}` : '  (none)',
    `Installs: with network "${s.docker.network}", readOnlyRoot ${s.docker.readOnlyRoot}, capDrop ${s.docker.capDrop.join(',')} and a non-root user, apt/npm -g cannot work inside; bake tools into the image (scripts/sandbox-common-setup.sh) or use setupCommand with network enabled.`,
    `Recreate after changes: ${out.recreate}`,
    `Fix-it: ${out.fixIt.join(', ')}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  return error ? EXIT.CONFIG : EXIT.OK;
}

async function exec(mgr: SandboxManager, argv: string[]): Promise<number> {
  const dash = argv.indexOf('--');
  if (dash < 0 || dash === argv.length - 1) throw new UsageError('sandbox exec: put the command after --', `usage: openclaw ${USAGE}`);
  const { values } = parseFlags(argv.slice(0, dash), { agent: { type: 'string' }, session: { type: 'string' }, timeout: { type: 'string' } }, `openclaw ${USAGE}`, false);
  const timeoutMs = parseIntFlag(values.timeout, '--timeout', 1, 24 * 3_600_000) ?? 600_000;
  const words = argv.slice(dash + 1);
  const command = words.length === 1 ? words[0]! : words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
  const sbx = await mgr.ensure({ ...(values.agent ? { agentId: values.agent } : {}), ...(values.session ? { sessionKey: values.session } : {}) });
  const r = await sbx.exec({ command, timeoutMs });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  if (r.timedOut) process.stderr.write(`openclaw: sandbox exec: timed out, killed (${r.signal})\n`);
  return r.exitCode;
}
