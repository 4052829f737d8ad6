// `openclaw doctor`: read-only checks of everything a start depends on; exit 1 if any fails.
import fs from 'node:fs';
import net from 'node:net';
import { EXIT, OpenclawError } from '../../lib/errors.js';
import { parseFlags } from '../../lib/args.js';
import { readDotenv } from '../../lib/dotenv.js';
import { resolvePaths, tildify } from '../../lib/paths.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { PASSTHROUGH_SECTIONS } from '../config/schema.js';
import { probeLock } from '../gateway/lock.js';
import { DEFAULT_PORT, parsePort } from '../gateway/settings.js';
import { printJson, type Command } from './command.js';

type Status = 'ok' | 'warn' | 'fail';
interface Check {
  id: string;
  status: Status;
  message: string;
  fix?: string;
}

const USAGE = 'doctor [--json]';

function modeOf(file: string): number | undefined {
  try {
    return fs.statSync(file).mode & 0o777;
  } catch {
    return undefined;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export async function runChecks(env: NodeJS.ProcessEnv = process.env): Promise<Check[]> {
  const paths = resolvePaths(env);
  const checks: Check[] = [];
  const add = (c: Check) => checks.push(c);

  const major = Number(process.versions.node.split('.')[0]);
  add(major >= 20 ? { id: 'node', status: 'ok', message: `node ${process.version}` } : { id: 'node', status: 'fail', message: `node ${process.version} is too old`, fix: 'install Node.js 20 or newer' });

  let loaded: LoadedConfig | undefined;
  try {
    loaded = await loadConfig(paths.configPath, env);
    if (!loaded.exists) add({ id: 'config', status: 'fail', message: `${tildify(paths.configPath)} does not exist; gateway start will be blocked`, fix: 'openclaw config set gateway.mode local' });
    else if (loaded.config.gateway?.mode !== 'local') add({ id: 'config', status: 'fail', message: 'gateway.mode is not "local"; gateway start will be blocked', fix: 'openclaw config set gateway.mode local' });
    else add({ id: 'config', status: 'ok', message: `${tildify(paths.configPath)} is valid (gateway.mode=local)` });
    const ignored = PASSTHROUGH_SECTIONS.filter((k) => loaded!.raw[k] !== undefined && k !== 'meta');
    if (ignored.length) add({ id: 'config.passthrough', status: 'warn', message: `sections kept but not used by this gateway: ${ignored.join(', ')}` });
  } catch (err) {
    add({ id: 'config', status: 'fail', message: err instanceof OpenclawError ? err.message.replace(/^config: /, '') : String(err), fix: 'openclaw config validate' });
  }

  const dirMode = modeOf(paths.stateDir);
  if (dirMode === undefined) add({ id: 'state-dir', status: 'warn', message: `${tildify(paths.stateDir)} does not exist yet (created 0700 on first start)` });
  else if (dirMode & 0o077) add({ id: 'state-dir', status: 'fail', message: `${tildify(paths.stateDir)} is mode ${dirMode.toString(8)}: other users can read it`, fix: `chmod 700 ${paths.stateDir}` });
  else add({ id: 'state-dir', status: 'ok', message: `${tildify(paths.stateDir)} is private (0${dirMode.toString(8)})` });

  for (const file of [paths.configPath, paths.envFile]) {
    const m = modeOf(file);
    if (m !== undefined && m & 0o077) add({ id: 'permissions', status: 'fail', message: `${tildify(file)} is mode ${m.toString(8)}: it may hold secrets`, fix: `chmod 600 ${file}` });
  }

  const dotenv = await readDotenv(paths.envFile);
  const token = env.OPENCLAW_GATEWAY_TOKEN || dotenv.get('OPENCLAW_GATEWAY_TOKEN') || (loaded?.config.gateway?.auth?.token ? 'config' : undefined);
  const password = env.OPENCLAW_GATEWAY_PASSWORD || dotenv.get('OPENCLAW_GATEWAY_PASSWORD') || loaded?.config.gateway?.auth?.password;
  if (token) add({ id: 'token', status: 'ok', message: 'gateway token is configured' });
  else if (password) add({ id: 'token', status: 'ok', message: 'gateway password is configured' });
  else add({ id: 'token', status: 'warn', message: 'no gateway token yet: a loopback start generates one into ~/.openclaw/.env; lan binds refuse to start' });

  const lock = await probeLock(paths.lockSocket).catch((err: Error) => ({ state: 'error' as const, message: err.message }));
  const port = parsePort(env.OPENCLAW_GATEWAY_PORT, 'OPENCLAW_GATEWAY_PORT') ?? loaded?.config.gateway?.port ?? DEFAULT_PORT;
  if (lock.state === 'held') {
    add({ id: 'lock', status: 'ok', message: `gateway running: pid ${lock.owner?.pid ?? '?'}, port ${lock.owner?.port ?? '?'}, since ${lock.owner?.startedAt ?? '?'}` });
  } else {
    if (lock.state === 'error') add({ id: 'lock', status: 'fail', message: lock.message });
    else add({ id: 'lock', status: 'ok', message: lock.state === 'stale' ? 'no gateway running (a stale lock from a dead process will be reclaimed on start)' : 'no gateway running' });
    add((await portFree(port)) ? { id: 'port', status: 'ok', message: `port ${port} is free` } : { id: 'port', status: 'fail', message: `port ${port} is in use by another process`, fix: `start with --port ${port + 1}, or free the port` });
  }
  return checks;
}

export const command: Command = {
  name: 'doctor',
  summary: 'Check config, state dir permissions, token, port and lock (read-only)',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, { json: { type: 'boolean' } }, USAGE, false);
    const checks = await runChecks();
    const failed = checks.some((c) => c.status === 'fail');
    if (values.json) printJson({ ok: !failed, checks });
    else {
      for (const c of checks) process.stdout.write(`${c.status.padEnd(5)} ${c.id}: ${c.message}${c.fix ? `\n      fix: ${c.fix}` : ''}\n`);
    }
    return failed ? EXIT.FAILURE : EXIT.OK;
  },
};
