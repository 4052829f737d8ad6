// `openclaw gateway run`: load config, refuse unsafe or unconfigured starts, take the state-dir lock,
// listen, and stay up until SIGTERM/SIGINT, then drain within 5 seconds.
import fs from 'node:fs';
import path from 'node:path';
import { nodeCrypto } from '../../lib/cjs.js';
import { EXIT, OpenclawError } from '../../lib/errors.js';
import { ensurePrivateDirSync } from '../../lib/fsutil.js';
import { Logger, type Level } from '../../lib/log.js';
import { resolvePaths, tildify, type StatePaths } from '../../lib/paths.js';
import { upsertDotenv } from '../../lib/dotenv.js';
import { generateToken } from '../../lib/token.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { version } from '../version.js';
import { detectContainer } from './bind.js';
import type { GatewayContext } from './context.js';
import { DeviceStore, PENDING_TTL_MS } from './devices.js';
import { acquireLock, type GatewayLock } from './lock.js';
import { GatewayServer } from './server.js';
import { allowedOriginsFor, resolveSettings, type GatewayFlags } from './settings.js';
import { applyConfigEnv } from '../config/env-block.js';

export interface RunOptions extends GatewayFlags {
  allowUnconfigured?: boolean;
  verbose?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Where the one-time "here is your token" banner goes (stdout when it is a terminal). */
  banner?: (text: string) => void;
}

export interface RunningGateway {
  port: number;
  context: GatewayContext;
  stop(reason?: string): Promise<void>;
}

const SHUTDOWN_DEADLINE_MS = 5000;

export function modeGuard(loaded: LoadedConfig, allowUnconfigured: boolean): void {
  if (allowUnconfigured) return;
  const mode = loaded.config.gateway?.mode;
  if (mode === 'local') return;
  if (mode === 'remote') {
    throw new OpenclawError('gateway.mode is "remote": this machine is set up as a client of another gateway', {
      exitCode: EXIT.CONFIG,
      hint: 'run: openclaw config set gateway.mode local, or pass --allow-unconfigured',
    });
  }
  const what = loaded.exists ? `${tildify(loaded.path)} does not set gateway.mode` : `missing config ${tildify(loaded.path)}`;
  throw new OpenclawError(`${what}; refusing to start`, {
    exitCode: EXIT.CONFIG,
    code: 'UNCONFIGURED',
    hint: 'run: openclaw config set gateway.mode local, or pass --allow-unconfigured',
  });
}

export async function startGateway(options: RunOptions = {}): Promise<RunningGateway> {
  const env = options.env ?? process.env;
  const paths = resolvePaths(env);
  let loaded = await loadConfig(paths.configPath, env);
  applyConfigEnv(loaded.config, env);
  modeGuard(loaded, options.allowUnconfigured === true);
  const inContainer = detectContainer(env) !== undefined;
  let resolved = resolveSettings(options, loaded.config, env, inContainer);

  ensurePrivateDirSync(paths.stateDir);
  const logger = createLogger(loaded, paths, options.verbose);
  logger.addSecret(resolved.settings.auth.token);
  logger.addSecret(resolved.settings.auth.password);
  if (options.token) logger.warn('gateway.token_in_argv', { hint: 'other users can read --token with ps; prefer OPENCLAW_GATEWAY_TOKEN in ~/.openclaw/.env' });

  const startedAt = Date.now();
  let lock: GatewayLock | undefined;
  if (env.OPENCLAW_ALLOW_MULTI_GATEWAY !== '1') {
    lock = await acquireLock(paths.lockSocket, { pid: process.pid, port: null, hosts: resolved.settings.bind.hosts, startedAt: new Date(startedAt).toISOString(), stateDir: paths.stateDir, version: version() });
  }

  const generatedToken = resolved.needsToken;
  try {
    if (generatedToken) {
      const token = generateToken();
      await upsertDotenv(paths.envFile, { OPENCLAW_GATEWAY_TOKEN: token });
      env.OPENCLAW_GATEWAY_TOKEN = token;
      logger.addSecret(token);
      resolved = resolveSettings(options, loaded.config, env, inContainer);
      logger.info('gateway.token_generated', { file: paths.envFile });
      resolved.settings.auth.token = token;
    }

    let bootId: string | undefined;
    const context: GatewayContext = {
      version: version(),
      // Made when a client first asks: it needs node:crypto, which nothing else at startup does.
      get bootId() {
        return (bootId ??= nodeCrypto().randomUUID());
      },
      startedAt,
      phase: 'starting',
      paths,
      settings: resolved.settings,
      config: loaded,
      logger,
      clients: new Map(),
      devices: new DeviceStore(path.join(paths.stateDir, 'devices'), Date.now, PENDING_TTL_MS, (event, fields) => logger.warn(event, fields)),
      applyConfig: async (raw) => {
        // Loaded on use: only config.set/apply/patch write, and startup should not pay for it.
        const { writeConfig } = await import('../config/store.js');
        const result = await writeConfig(loaded.path, raw, { env });
        return reload(result.hash);
      },
      broadcast: (event, payload) => server.broadcast(event, payload),
    };
    const server = new GatewayServer(context);

    /** Re-read the config and apply what can change live; report what needs a restart. */
    const reload = async (expectedHash?: string): Promise<{ hash: string; restartRequired: string[] }> => {
      const next = await loadConfig(paths.configPath, env);
      if (expectedHash !== undefined && next.hash !== expectedHash) logger.debug('config.raced', { expected: expectedHash, got: next.hash });
      applyConfigEnv(next.config, env);
      const nextSettings = resolveSettings(options, next.config, env, inContainer);
      if (nextSettings.needsToken) nextSettings.settings.auth.token = context.settings.auth.token;
      const restartRequired: string[] = [];
      if (nextSettings.settings.port !== context.settings.port && options.port === undefined) restartRequired.push('gateway.port');
      if (nextSettings.settings.bind.hosts.join() !== context.settings.bind.hosts.join()) restartRequired.push('gateway.bind');
      const authChanged =
        nextSettings.settings.auth.mode !== context.settings.auth.mode ||
        nextSettings.settings.auth.token !== context.settings.auth.token ||
        nextSettings.settings.auth.password !== context.settings.auth.password;
      logger.addSecret(nextSettings.settings.auth.token);
      logger.addSecret(nextSettings.settings.auth.password);
      context.settings = { ...nextSettings.settings, port: context.settings.port, bind: context.settings.bind, allowedOrigins: allowedOriginsFor(next.config, context.settings.port) };
      context.config = next;
      loaded = next;
      const level = next.config.logging?.level;
      if (level) logger.setLevel(level as Level);
      if (authChanged) server.disconnectAll(4001, 'gateway auth changed');
      logger.info('config.reloaded', { hash: next.hash.slice(0, 12), restartRequired: restartRequired.join(',') || undefined });
      return { hash: next.hash, restartRequired };
    };

    const port = await server.listen();
    context.settings.port = port;
    context.settings.allowedOrigins = allowedOriginsFor(loaded.config, port);
    lock?.update({ port });
    context.phase = 'started';
    const host = resolved.settings.bind.loopbackOnly ? (resolved.settings.bind.hosts[0] ?? '127.0.0.1') : '127.0.0.1';
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
    if (!resolved.settings.bind.loopbackOnly) logger.warn('gateway.non_loopback', { hosts: resolved.settings.bind.hosts.join(','), hint: 'reachable from other machines; keep the token secret' });
    logger.info('gateway.listening', { url, bind: resolved.settings.bind.mode, hosts: resolved.settings.bind.hosts.join(','), auth: resolved.settings.auth.mode, pid: process.pid, version: context.version });
    if (generatedToken) announceToken(options, paths, url, resolved.settings.auth.token!);

    const watcher = watchConfig(paths, logger, () => reload().catch((err) => logger.error('config.reload_failed', { reason: (err as Error).message.replace(/\n\s*/g, '; ') })));

    let stopping: Promise<void> | undefined;
    const stop = (why = 'stop'): Promise<void> => {
      stopping ??= (async () => {
        logger.info('gateway.stopping', { reason: why });
        context.phase = 'draining';
        watcher?.close();
        await server.close();
        await lock?.release();
        logger.info('gateway.stopped', {});
        logger.close();
      })();
      return stopping;
    };
    return { port, context, stop };
  } catch (err) {
    await lock?.release();
    logger.close();
    throw err;
  }
}

function createLogger(loaded: LoadedConfig, paths: StatePaths, verbose?: boolean): Logger {
  const logging = loaded.config.logging ?? {};
  const file = logging.file ? path.resolve(paths.stateDir, logging.file) : path.join(paths.logDir, 'gateway.log');
  return new Logger({ level: verbose ? 'debug' : ((logging.level as Level | undefined) ?? 'info'), file, ...(logging.maxFileBytes ? { maxFileBytes: logging.maxFileBytes } : {}) });
}

function announceToken(options: RunOptions, paths: StatePaths, url: string, token: string): void {
  const write = options.banner ?? (process.stdout.isTTY ? (t: string) => process.stdout.write(t) : undefined);
  const where = `${tildify(paths.envFile)} (OPENCLAW_GATEWAY_TOKEN)`;
  if (write) {
    write(`\nopenclaw: generated a gateway token and saved it to ${where}\nopenclaw: open the Control UI: ${url}#token=${token}\n\n`);
  } else {
    process.stderr.write(`openclaw: generated a gateway token and saved it to ${where}; Control UI: ${url}\n`);
  }
}

/** Hot reload: the CLI edits the file directly, the running gateway picks the change up. */
function watchConfig(paths: StatePaths, logger: Logger, onChange: () => void): fs.FSWatcher | undefined {
  const dir = path.dirname(paths.configPath);
  const name = path.basename(paths.configPath);
  let timer: NodeJS.Timeout | undefined;
  try {
    const watcher = fs.watch(dir, { persistent: false }, (_event, file) => {
      if (file !== name) return;
      clearTimeout(timer);
      timer = setTimeout(onChange, 150);
    });
    watcher.on('error', () => watcher.close());
    return watcher;
  } catch (err) {
    logger.debug('config.watch_unavailable', { reason: (err as Error).message });
    return undefined;
  }
}

/** Run in the foreground until a signal; resolves with the exit code. */
export async function runGatewayForeground(options: RunOptions = {}): Promise<number> {
  // Handlers go in before anything starts: a SIGTERM during startup must drain, not kill.
  let signalled: NodeJS.Signals | undefined;
  let onStopped: ((code: number) => void) | undefined;
  let gateway: RunningGateway | undefined;
  const stopNow = (signal: NodeJS.Signals) => {
    const deadline = setTimeout(() => onStopped?.(EXIT.OK), SHUTDOWN_DEADLINE_MS - 250);
    deadline.unref();
    void gateway!.stop(signal).then(() => {
      clearTimeout(deadline);
      onStopped?.(EXIT.OK);
    });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = signal;
    if (gateway) stopNow(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    gateway = await startGateway(options);
  } catch (err) {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    throw err;
  }
  return new Promise((resolve) => {
    onStopped = resolve;
    if (signalled) stopNow(signalled);
  });
}
