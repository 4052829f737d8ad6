// Where state lives. One function, so the gateway, the CLI and the setup scripts agree.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

/**
 * The package's own directory (package.json, bin/, dist/), from the URL of a module inside it. It
 * walks up instead of counting '../' because the same module runs from dist/runtime/<dir>/ (tsc's
 * output, used by tests) and from the single-file bundle dist/runtime/openclaw.cjs (what
 * bin/openclaw loads), where import.meta.url is the bundle's URL.
 */
export function packageDir(moduleUrl: string): string {
  const start = path.dirname(fileURLToPath(moduleUrl));
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return start; // not reached: package.json ships with dist/
  }
}
