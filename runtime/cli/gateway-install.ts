// `openclaw gateway install`: write the systemd user unit for a native (non-container) gateway and
// start it. The token never goes into the unit: the gateway reads it from ~/.openclaw/.env itself.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseFlags, parseIntFlag } from '../../lib/args.js';
import { upsertDotenv } from '../../lib/dotenv.js';
import { EXIT, OpenclawError } from '../../lib/errors.js';
import { readFileIfExists, writeFileAtomic } from '../../lib/fsutil.js';
import { packageDir, resolvePaths } from '../../lib/paths.js';
import { describe, probe } from '../../lib/setup/exec.js';
import { action, runSteps, type Step } from '../../lib/setup/step.js';
import { hostPath } from '../../lib/setup/validate.js';
import { renderUnit, type UnitFile } from '../../lib/unit-file.js';
import { version } from '../version.js';
import type { Command } from './command.js';

const USAGE = 'gateway install [--port PORT] [--token TOKEN] [--no-start] [--dry-run] [--print]';
const BIN = path.join(packageDir(import.meta.url), 'bin', 'openclaw');

export interface NativeUnit {
  name: string;
  node: string;
  entry: string;
  port: number;
  stateDir?: string | undefined;
  version: string;
}

export function unitName(env: NodeJS.ProcessEnv): string {
  const explicit = env.OPENCLAW_SYSTEMD_UNIT?.replace(/\.service$/, '');
  const profile = env.OPENCLAW_PROFILE && env.OPENCLAW_PROFILE !== 'default' ? env.OPENCLAW_PROFILE : undefined;
  const name = explicit || (profile ? `openclaw-gateway-${profile}` : 'openclaw-gateway');
  if (!/^[A-Za-z0-9][A-Za-z0-9_.@-]*$/.test(name)) throw new OpenclawError(`gateway install: invalid unit name '${name}'`, { exitCode: EXIT.USAGE, hint: 'check OPENCLAW_SYSTEMD_UNIT / OPENCLAW_PROFILE' });
  return name;
}

export function nativeUnit(u: NativeUnit): UnitFile {
  const env: Array<readonly [string, string]> = [
    ['Environment', `OPENCLAW_GATEWAY_PORT=${u.port}`],
    ['Environment', `OPENCLAW_SYSTEMD_UNIT=${u.name}.service`],
    ['Environment', 'OPENCLAW_SERVICE_MARKER=openclaw OPENCLAW_SERVICE_KIND=gateway'],
  ];
  if (u.stateDir) env.push(['Environment', `OPENCLAW_STATE_DIR=${hostPath(u.stateDir, 'OPENCLAW_STATE_DIR')}`]);
  return {
    header: [`OpenClaw gateway as a systemd user service (written by \`openclaw gateway install\`, v${u.version}).`, 'The token is not here: the gateway reads OPENCLAW_GATEWAY_TOKEN from ~/.openclaw/.env (mode 0600).'],
    sections: [
      {
        name: 'Unit',
        groups: [
          { entries: [['Description', `OpenClaw Gateway (v${u.version})`], ['After', 'network-online.target'], ['Wants', 'network-online.target']] },
          { comment: 'Give up after 5 failed starts in a minute.', entries: [['StartLimitBurst', 5], ['StartLimitIntervalSec', 60]] },
        ],
      },
      {
        name: 'Service',
        groups: [
          { entries: [['ExecStart', `${hostPath(u.node, 'node path')} ${hostPath(u.entry, 'openclaw path')} gateway --port ${u.port}`]] },
          { comment: '78 = invalid config: restarting cannot fix it. 143 = stopped by SIGTERM.', entries: [['Restart', 'always'], ['RestartSec', 5], ['RestartPreventExitStatus', 78], ['SuccessExitStatus', '0 143']] },
          { entries: [['TimeoutStartSec', 30], ['TimeoutStopSec', 30], ['KillMode', 'control-group']] },
          { entries: env },
        ],
      },
      { name: 'Install', groups: [{ entries: [['WantedBy', 'default.target']] }] },
    ],
  };
}

export function renderNativeUnit(u: NativeUnit): string {
  return renderUnit(nativeUnit(u));
}

function classify(code: number, stderr: string): { code: string; why: string } {
  if (code === 127) return { code: 'missing_systemctl', why: 'systemctl not found' };
  if (/bus|XDG_RUNTIME_DIR|No such device or address|Failed to connect/i.test(stderr)) return { code: 'user_bus_unavailable', why: `no systemd user manager reachable (${stderr.trim().split('\n')[0]})` };
  return { code: 'generic_unavailable', why: stderr.trim().split('\n').slice(-1)[0] || `exit ${code}` };
}

export const command: Command = {
  name: 'gateway install',
  summary: 'Install the gateway as a systemd user service (native install, no container)',
  usage: USAGE,
  help: `
Writes ~/.config/systemd/user/openclaw-gateway.service (OPENCLAW_PROFILE / OPENCLAW_SYSTEMD_UNIT change
the name), then runs systemctl --user daemon-reload, enable and restart. An existing different unit
is kept as .bak. The token stays in ~/.openclaw/.env; --token writes it there (never into the unit).

Options:
  --port PORT     gateway port (default 18789)
  --token TOKEN   store OPENCLAW_GATEWAY_TOKEN in ~/.openclaw/.env first
  --no-start      write the unit only
  -n, --dry-run   Simulate install: print "would" lines, change nothing
  --print         print the unit to stdout and exit

Without a user manager (containers, no linger) it exits 1 after writing the unit; run the gateway in
the foreground instead: openclaw gateway`,
  async run(argv) {
    const { values } = parseFlags(argv, { port: { type: 'string' }, token: { type: 'string' }, 'no-start': { type: 'boolean' }, 'dry-run': { type: 'boolean', short: 'n' }, print: { type: 'boolean' } }, USAGE, false);
    const env = process.env;
    const port = parseIntFlag(values.port, '--port', 1, 65535) ?? 18789;
    const name = unitName(env);
    const unit = renderNativeUnit({ name, node: process.execPath, entry: BIN, port, stateDir: env.OPENCLAW_STATE_DIR ? path.resolve(env.OPENCLAW_STATE_DIR) : undefined, version: version() });
    if (values.print) {
      process.stdout.write(unit);
      return EXIT.OK;
    }
    const dir = path.join(env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config'), 'systemd', 'user');
    const file = path.join(dir, `${name}.service`);
    const ctl = (...args: string[]) => ['systemctl', '--user', ...args];
    const steps: Step<null>[] = [
      {
        name: 'token',
        async check() {
          if (values.token === undefined) return {};
          const envFile = resolvePaths(env).envFile;
          return { actions: [action(`set OPENCLAW_GATEWAY_TOKEN in ${envFile} (mode 0600)`, async () => { await fs.mkdir(path.dirname(envFile), { recursive: true, mode: 0o700 }); await upsertDotenv(envFile, { OPENCLAW_GATEWAY_TOKEN: values.token! }); })] };
        },
        verify: false,
      },
      {
        name: 'unit',
        async check() {
          const current = await readFileIfExists(file);
          if (current === unit) return { ok: `unit ${file}` };
          return { actions: [action(`write ${file}${current === undefined ? '' : ` (previous one kept as ${name}.service.bak)`}`, async () => { await fs.mkdir(dir, { recursive: true }); await writeFileAtomic(file, unit, { mode: 0o644, backup: current !== undefined }); })] };
        },
      },
      {
        name: 'systemd',
        when: () => values['no-start'] !== true,
        verify: false,
        async check() {
          const r = await probe(ctl('is-active', `${name}.service`));
          if (r.code === 0 && r.stdout.trim() === 'active' && (await readFileIfExists(file)) === unit && !values.token) return { ok: `${name}.service active` };
          const steps = [ctl('daemon-reload'), ctl('enable', `${name}.service`), ctl('restart', `${name}.service`)];
          return {
            actions: steps.map((argv) => action(describe(argv), async () => {
              const res = await probe(argv);
              if (res.code === 0) return;
              const c = classify(res.code, res.stderr);
              throw new OpenclawError(`gateway install: unit written to ${file} but not started: ${c.why} [${c.code}]`, {
                code: c.code,
                hint: 'enable a user manager (sudo loginctl enable-linger $USER) and re-run; in a container or without systemd, run the gateway in the foreground: openclaw gateway',
              });
            })),
          };
        },
      },
    ];
    await runSteps(steps, null, { dryRun: values['dry-run'] === true });
    return EXIT.OK;
  },
};
