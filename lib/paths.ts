// Where state lives. One function, so the gateway, the CLI and the setup scripts agree.
import os from 'node:os';
import path from 'node:path';

export interface StatePaths {
  stateDir: string;
  configPath: string;
  /** Secrets such as OPENCLAW_GATEWAY_TOKEN, loaded into the environment (process env wins). */
  envFile: string;
  logDir: string;
  /** Unix socket that is the single-instance lock; the kernel frees it when the gateway dies. */
  lockSocket: string;
  workspaceDir: string;
}

export type Env = Record<string, string | undefined>;

export function homeDir(env: Env = process.env): string {
  return env.OPENCLAW_HOME || env.HOME || os.homedir();
}

export function resolvePaths(env: Env = process.env): StatePaths {
  const stateDir = path.resolve(env.OPENCLAW_STATE_DIR || path.join(homeDir(env), '.openclaw'));
  const configPath = path.resolve(env.OPENCLAW_CONFIG_PATH || path.join(stateDir, 'openclaw.json'));
  return {
    stateDir,
    configPath,
    envFile: path.join(stateDir, '.env'),
    logDir: path.join(stateDir, 'logs'),
    lockSocket: path.join(stateDir, 'gateway.lock'),
    workspaceDir: path.resolve(env.OPENCLAW_WORKSPACE_DIR || path.join(stateDir, 'workspace')),
  };
}

/** `~/x` for display, so messages stay short and do not depend on who reads them. */
export function tildify(p: string, env: Env = process.env): string {
  const home = homeDir(env);
  return p === home ? '~' : p.startsWith(home + path.sep) ? `~${p.slice(home.length)}` : p;
}
