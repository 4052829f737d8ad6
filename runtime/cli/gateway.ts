// `openclaw gateway [run|probe|status|healthcheck]`
import http from 'node:http';
import { EXIT, UsageError } from '../../lib/errors.js';
import { parseFlags } from '../../lib/args.js';
import { resolvePaths, tildify } from '../../lib/paths.js';
import { resolveTarget, TARGET_OPTIONS, TARGET_USAGE } from '../client/target.js';
import { probeLock } from '../gateway/lock.js';
import { runGatewayForeground } from '../gateway/run.js';
import { helpText, printJson, wantsHelp, type Command } from './command.js';

const RUN_USAGE = 'gateway [run] [--bind loopback|lan|auto|custom] [--port PORT] [--auth token|password|none] [--token TOKEN] [--password PASSWORD | --password-file FILE] [--allow-unconfigured] [--verbose]';

const run: Command = {
  name: 'gateway run',
  summary: 'Run the gateway in the foreground',
  usage: RUN_USAGE,
  help: `
Serves the Control UI, health probes and the WebSocket protocol on one port (default 18789).
Refuses to start unless gateway.mode is "local" in ~/.openclaw/openclaw.json (or --allow-unconfigured,
which writes no config). On loopback with no token anywhere, a token is generated into
~/.openclaw/.env (mode 0600). A non-loopback bind without a token or password exits 78.

Options:
  --bind MODE            loopback (default) | lan (0.0.0.0) | auto (lan inside a container) | custom
  --port PORT            also OPENCLAW_GATEWAY_PORT; 0 picks a free port
  --auth MODE            token (default) | password | none (loopback only)
  --token TOKEN          prefer OPENCLAW_GATEWAY_TOKEN: argv is visible to other users
  --password-file FILE   read the password from a file
  --allow-unconfigured   start without gateway.mode=local
  --verbose              debug logging`,
  async run(argv) {
    const { values } = parseFlags(
      argv,
      {
        bind: { type: 'string' },
        port: { type: 'string' },
        auth: { type: 'string' },
        token: { type: 'string' },
        password: { type: 'string' },
        'password-file': { type: 'string' },
        'allow-unconfigured': { type: 'boolean' },
        verbose: { type: 'boolean' },
        compact: { type: 'boolean' },
        force: { type: 'boolean' },
      },
      RUN_USAGE,
      false,
    );
    return runGatewayForeground({
      bind: values.bind,
      port: values.port,
      auth: values.auth,
      token: values.token,
      password: values.password,
      passwordFile: values['password-file'],
      allowUnconfigured: values['allow-unconfigured'] === true,
      verbose: values.verbose === true,
    });
  },
};

const PROBE_USAGE = `gateway probe ${TARGET_USAGE} [--json]`;
const probe: Command = {
  name: 'gateway probe',
  summary: 'Check that a gateway answers the protocol handshake and with which scopes',
  usage: PROBE_USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, { ...TARGET_OPTIONS, json: { type: 'boolean' } }, PROBE_USAGE, false);
    const target = await resolveTarget(values, process.env, 3000);
    const started = performance.now();
    let result: Record<string, unknown>;
    try {
      // Loaded here, not at the top: `openclaw gateway` itself starts without the client.
      const { GatewayClient } = await import('../client/client.js');
      const client = await GatewayClient.connect({ ...target, timeoutMs: target.timeoutMs });
      const auth = client.hello.auth as { scopes?: string[] } | undefined;
      const server = client.hello.server as { version?: string } | undefined;
      await client.close();
      const scopes = auth?.scopes ?? [];
      result = {
        ok: true,
        url: target.url,
        connectMs: Math.round(performance.now() - started),
        version: server?.version,
        protocol: client.hello.protocol,
        scopes,
        capability: scopes.includes('operator.admin') ? 'connected-admin' : scopes.length ? 'connected' : 'connected-no-operator-scope',
      };
    } catch (err) {
      result = { ok: false, url: target.url, error: (err as Error).message, code: (err as { code?: string }).code };
    }
    if (values.json) printJson(result);
    else if (result.ok) process.stdout.write(`Gateway ${result.url}: reachable (v${result.version}, protocol ${result.protocol}, ${result.connectMs} ms)\nCapability: ${result.capability}\n`);
    else process.stdout.write(`Gateway ${result.url}: unreachable: ${result.error}\n`);
    return result.ok ? EXIT.OK : EXIT.FAILURE;
  },
};

const STATUS_USAGE = 'gateway status [--json]';
const status: Command = {
  name: 'gateway status',
  summary: 'Show whether a gateway owns this state dir, its pid and port, and the service manager',
  usage: STATUS_USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, { json: { type: 'boolean' } }, STATUS_USAGE, false);
    const paths = resolvePaths();
    const lock = await probeLock(paths.lockSocket);
    const service = process.env.INVOCATION_ID ? 'systemd (this process runs under it)' : 'no supported service manager detected';
    const owner = lock.state === 'held' ? lock.owner : null;
    const out = { stateDir: paths.stateDir, lock: lock.state, pid: owner?.pid ?? null, port: owner?.port ?? null, startedAt: owner?.startedAt ?? null, service };
    if (values.json) printJson(out);
    else {
      const running = lock.state === 'held' ? `running (pid ${owner?.pid ?? '?'}, port ${owner?.port ?? '?'}, since ${owner?.startedAt ?? '?'})` : lock.state === 'stale' ? 'not running (stale lock from a dead process; the next start reclaims it)' : 'not running';
      process.stdout.write(`Gateway: ${running}\nState dir: ${tildify(paths.stateDir)}\nService: ${service}\n`);
    }
    return lock.state === 'held' ? EXIT.OK : EXIT.FAILURE;
  },
};

const healthcheck: Command = {
  name: 'gateway healthcheck',
  summary: "Exit 0 if this state dir's gateway answers /healthz (for container HEALTHCHECKs)",
  usage: 'gateway healthcheck [--timeout MS]',
  help: 'Finds the running gateway through its lock in the state dir, so the probe follows the port it really uses.',
  async run(argv) {
    const { values } = parseFlags(argv, { timeout: { type: 'string' } }, 'gateway healthcheck [--timeout MS]', false);
    const timeoutMs = Number(values.timeout ?? 3000);
    const lock = await probeLock(resolvePaths().lockSocket, timeoutMs);
    if (lock.state !== 'held' || !lock.owner?.port) {
      process.stderr.write(`openclaw: healthcheck: no gateway is running for this state dir (lock ${lock.state})\n`);
      return EXIT.FAILURE;
    }
    const hosts = lock.owner.hosts ?? [];
    const host = hosts.includes('127.0.0.1') || hosts.includes('0.0.0.0') ? '127.0.0.1' : hosts.includes('::1') || hosts.includes('::') ? '::1' : (hosts[0] ?? '127.0.0.1');
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get({ host, port: lock.owner!.port!, path: '/healthz', timeout: timeoutMs }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
    });
    if (!ok) process.stderr.write(`openclaw: healthcheck: /healthz on port ${lock.owner.port} did not answer 200\n`);
    return ok ? EXIT.OK : EXIT.FAILURE;
  },
};

// Loaded on use: it pulls in zx, which `openclaw gateway` itself must not pay for at startup.
const install: Command = {
  name: 'gateway install',
  summary: 'Install the gateway as a systemd user service (native install, no container)',
  usage: 'gateway install [options]',
  run: async (argv) => (await import('./gateway-install.js')).command.run(argv),
};

const SUBCOMMANDS: Record<string, Command> = { run, probe, status, healthcheck, install };

export const command: Command = {
  name: 'gateway',
  summary: 'Run the gateway (default), or probe/inspect it',
  usage: 'gateway [run|probe|status|healthcheck|install] [options]',
  help: `
Subcommands:
  run           ${run.summary} (the default)
  probe         ${probe.summary}
  status        ${status.summary}
  healthcheck   ${healthcheck.summary}
  install       ${install.summary}

Run 'openclaw gateway <subcommand> --help' for options.`,
  async run(argv) {
    const [first, ...rest] = argv;
    const sub = first !== undefined && !first.startsWith('-') ? SUBCOMMANDS[first] : undefined;
    if (first !== undefined && !first.startsWith('-') && !sub) throw new UsageError(`gateway: unknown subcommand '${first}'`, 'run: openclaw gateway --help');
    const target = sub ?? run;
    const args = sub ? rest : argv;
    if (wantsHelp(args)) {
      const shown = target === install ? (await import('./gateway-install.js')).command : target;
      process.stdout.write(helpText(sub ? shown : command) + (sub ? '' : `\n${helpText(run)}`));
      return EXIT.OK;
    }
    return target.run(args);
  },
};
