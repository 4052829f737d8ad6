// Start a real gateway process (bin/openclaw) on port 0 with a private state dir, for tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = path.join(REPO, 'bin', 'openclaw');

export interface GatewayProcess {
  url: string;
  wsUrl: string;
  port: number;
  token: string | undefined;
  stateDir: string;
  env: NodeJS.ProcessEnv;
  proc: ChildProcess;
  /** Everything the process wrote to stderr so far. */
  output(): string;
  /** SIGTERM and wait; resolves with the exit code (or the signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
  exited: Promise<number | string>;
}

export interface StartOptions {
  /** Token given through the environment; `null` means none at all. Default: a random one. */
  token?: string | null;
  /** Written to openclaw.json; default { gateway: { mode: "local" } }; `null` writes no file. */
  config?: object | null;
  args?: string[];
  env?: Record<string, string>;
  stateDir?: string;
  /** Options for node itself, before the script (e.g. --cpu-prof, which NODE_OPTIONS refuses). */
  nodeArgs?: string[];
  /** Give up waiting for the listening line after this long. */
  timeoutMs?: number;
}

export function makeStateDir(prefix = 'openclaw-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OPENCLAW_')) env[k] = v;
  return { ...env, ...extra };
}

export function spawnGateway(options: StartOptions = {}): { proc: ChildProcess; stateDir: string; env: NodeJS.ProcessEnv; token: string | undefined; output: () => string; exited: Promise<number | string> } {
  const stateDir = options.stateDir ?? makeStateDir();
  if (options.config !== null) {
    fs.writeFileSync(path.join(stateDir, 'openclaw.json'), JSON.stringify(options.config ?? { gateway: { mode: 'local' } }), { mode: 0o600 });
  }
  const token = options.token === null ? undefined : (options.token ?? randomBytes(32).toString('hex'));
  const env = cleanEnv({ OPENCLAW_STATE_DIR: stateDir, ...(token ? { OPENCLAW_GATEWAY_TOKEN: token } : {}), ...options.env });
  const proc = spawn(process.execPath, [...(options.nodeArgs ?? []), BIN, 'gateway', '--port', '0', ...(options.args ?? [])], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | string>((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { proc, stateDir, env, token, output: () => out, exited };
}

export async function startGateway(options: StartOptions = {}): Promise<GatewayProcess> {
  const g = spawnGateway(options);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      g.proc.kill('SIGKILL'); // never leave a half-started gateway behind
      reject(new Error(`gateway did not start within ${timeoutMs} ms:\n${g.output()}`));
    }, timeoutMs);
    const check = () => {
      const m = /gateway\.listening url=http:\/\/[^ ]*:(\d+)\//.exec(g.output());
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    g.proc.stderr!.on('data', check);
    g.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code} before listening:\n${g.output()}`));
    });
  });
  const url = `http://127.0.0.1:${port}/`;
  return {
    ...g,
    url,
    wsUrl: `ws://127.0.0.1:${port}/`,
    port,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (g.proc.exitCode === null && g.proc.signalCode === null) g.proc.kill(signal);
      return g.exited;
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    proc.stdin.end(input ?? '');
    proc.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
