// Where tool calls touch the world. The agent loop talks to this small interface; the host
// implementation runs commands and file operations on this machine, in the agent's workspace.
// (When the sandbox runtime lands, a container-backed host implements the same interface.)
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface ExecResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  truncated: boolean;
}

export interface AgentToolHost {
  /** "host" runs on this machine; "sandbox" inside a container. Shown to the model and the user. */
  readonly kind: 'host' | 'sandbox';
  readonly workdir: string;
  exec(command: string, opts: { cwd?: string; timeoutMs?: number; signal?: AbortSignal; env?: Record<string, string> }): Promise<ExecResult>;
  readFile(file: string): Promise<string>;
  writeFile(file: string, content: string): Promise<void>;
  remove(file: string): Promise<void>;
  list(dir: string): Promise<Array<{ name: string; type: 'file' | 'dir' | 'other'; size: number }>>;
  /** Hosts with their own exact-replace and patch tools (the shared ToolHost) provide these. */
  edit?(file: string, oldText: string, newText: string): Promise<number>;
  applyPatch?(patch: string): Promise<string>;
}

const MAX_OUTPUT = 200 * 1024;

/** Host environment minus the gateway's own secrets: a command the model runs never sees them. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^OPENCLAW_GATEWAY_(TOKEN|PASSWORD)$/.test(k) || /_API_KEY$|_TOKEN$|_SECRET$/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

export class LocalToolHost implements AgentToolHost {
  readonly kind = 'host' as const;
  constructor(readonly workdir: string) {}

  resolve(p: string): string {
    return path.resolve(this.workdir, p);
  }

  async exec(command: string, opts: { cwd?: string; timeoutMs?: number; signal?: AbortSignal; env?: Record<string, string> } = {}): Promise<ExecResult> {
    await fs.mkdir(this.workdir, { recursive: true });
    const cwd = opts.cwd ? this.resolve(opts.cwd) : this.workdir;
    return new Promise((resolve) => {
      // A process group of its own, so a timeout or abort kills everything the command started.
      const child = spawn('/bin/sh', ['-c', command], { cwd, env: childEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let stdout = '';
      let stderr = '';
      let truncated = false;
      let timedOut = false;
      const take = (which: 'out' | 'err') => (d: Buffer) => {
        const s = d.toString('utf8');
        if (stdout.length + stderr.length + s.length > MAX_OUTPUT) {
          truncated = true;
          return;
        }
        if (which === 'out') stdout += s;
        else stderr += s;
      };
      child.stdout.on('data', take('out'));
      child.stderr.on('data', take('err'));
      const kill = () => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, opts.timeoutMs ?? 120_000);
      opts.signal?.addEventListener('abort', kill, { once: true });
      child.on('error', (err) => {
        stderr += err.message;
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', kill);
        resolve({ exitCode: code, signal, stdout, stderr, timedOut, truncated });
      });
    });
  }

  readFile(file: string): Promise<string> {
    return fs.readFile(this.resolve(file), 'utf8');
  }

  async writeFile(file: string, content: string): Promise<void> {
    const abs = this.resolve(file);
    await fs.mkdir(path.dirname(abs), { recursive: true });
    await fs.writeFile(abs, content);
  }

  async remove(file: string): Promise<void> {
    await fs.rm(this.resolve(file));
  }

  async list(dir: string): Promise<Array<{ name: string; type: 'file' | 'dir' | 'other'; size: number }>> {
    const abs = this.resolve(dir);
    const entries = await fs.readdir(abs, { withFileTypes: true });
    return Promise.all(
      entries.map(async (e) => ({
        name: e.name,
        type: e.isDirectory() ? ('dir' as const) : e.isFile() ? ('file' as const) : ('other' as const),
        size: e.isFile() ? (await fs.stat(path.join(abs, e.name)).catch(() => ({ size: 0 }))).size : 0,
      })),
    );
  }
}

/** Stand-in when the config asks for a sandbox this gateway cannot provide: every call fails, nothing runs on the host. */
export class UnavailableToolHost implements AgentToolHost {
  readonly kind = 'sandbox' as const;
  constructor(readonly workdir: string, private readonly why: string) {}
  private fail(): never {
    throw new Error(this.why);
  }
  async exec(): Promise<ExecResult> {
    return this.fail();
  }
  async readFile(): Promise<string> {
    return this.fail();
  }
  async writeFile(): Promise<void> {
    return this.fail();
  }
  async remove(): Promise<void> {
    return this.fail();
  }
  async list(): Promise<never> {
    return this.fail();
  }
}
