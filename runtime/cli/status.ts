// `openclaw status`: a local summary (config, state, lock) plus the running gateway's own status.
import { EXIT, OpenclawError } from '../../lib/errors.js';
import { parseFlags } from '../../lib/args.js';
import { resolvePaths, tildify } from '../../lib/paths.js';
import { GatewayClient } from '../client/client.js';
import { resolveTarget, TARGET_OPTIONS, TARGET_USAGE } from '../client/target.js';
import { loadConfig } from '../config/load.js';
import { probeLock } from '../gateway/lock.js';
import { printJson, type Command } from './command.js';

const USAGE = `status ${TARGET_USAGE} [--json]`;

export const command: Command = {
  name: 'status',
  summary: 'Summarise config, state dir and the running gateway (read-only)',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, { ...TARGET_OPTIONS, json: { type: 'boolean' } }, USAGE, false);
    const paths = resolvePaths();
    const config: Record<string, unknown> = { path: paths.configPath };
    try {
      const loaded = await loadConfig(paths.configPath);
      Object.assign(config, { exists: loaded.exists, valid: true, mode: loaded.config.gateway?.mode ?? null });
    } catch (err) {
      Object.assign(config, { valid: false, error: err instanceof OpenclawError ? err.message : String(err) });
    }
    const lock = await probeLock(paths.lockSocket).catch(() => ({ state: 'unknown' as const }));
    const target = await resolveTarget(values, process.env, 3000);
    let gateway: Record<string, unknown> = { reachable: false, url: target.url };
    try {
      const client = await GatewayClient.connect(target);
      try {
        gateway = { reachable: true, url: target.url, ...((await client.request('status', undefined, target.timeoutMs)) as object) };
      } finally {
        await client.close();
      }
    } catch (err) {
      gateway.error = (err as Error).message;
    }
    const out = { config, stateDir: paths.stateDir, lock: lock.state === 'held' ? { state: 'held', pid: lock.owner?.pid, port: lock.owner?.port } : { state: lock.state }, gateway };
    if (values.json) {
      printJson(out);
      return EXIT.OK;
    }
    const lines = [
      `Config:    ${tildify(paths.configPath)} (${config.valid === false ? `INVALID: ${config.error}` : config.exists ? `valid, gateway.mode=${config.mode ?? 'unset'}` : 'missing'})`,
      `State dir: ${tildify(paths.stateDir)}`,
      `Gateway:   ${lock.state === 'held' ? `running (pid ${lock.owner?.pid}, port ${lock.owner?.port})` : 'not running'}`,
    ];
    if (gateway.reachable) {
      const bind = gateway.bind as { mode: string; hosts: string[]; port: number };
      lines.push(`Endpoint:  ${target.url} (v${gateway.version}, bind ${bind.mode} ${bind.hosts.join(',')}, auth ${(gateway.auth as { mode: string }).mode})`);
      lines.push(`Uptime:    ${Math.round(Number(gateway.uptimeMs) / 1000)} s, ${gateway.connections} client(s)`);
    } else {
      lines.push(`Endpoint:  ${target.url} unreachable (${gateway.error})`);
    }
    process.stdout.write(lines.join('\n') + '\n');
    return EXIT.OK;
  },
};
