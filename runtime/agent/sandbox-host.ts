// Tool calls of sandboxed sessions go to the sandbox runtime: the session's container is created
// (or reused) on the first call, then commands and file operations run inside it through the
// shared ToolHost interface (runtime/tools). This adapts that interface to the agent loop's.
import type { Logger } from '../../lib/log.js';
import type { OpenclawConfig } from '../config/schema.js';
import { SandboxManager } from '../sandbox/manager.js';
import type { ToolHost } from '../tools/host.js';
import { SandboxToolHost } from '../tools/sandbox.js';
import type { AgentToolHost, ExecResult } from './host.js';

export class ToolHostAdapter implements AgentToolHost {
  private host: Promise<ToolHost> | undefined;
  constructor(
    readonly kind: 'host' | 'sandbox',
    readonly workdir: string,
    private readonly open: () => Promise<ToolHost>,
  ) {}

  private get(): Promise<ToolHost> {
    this.host ??= this.open();
    this.host.catch(() => (this.host = undefined));
    return this.host;
  }

  async exec(command: string, opts: { cwd?: string; timeoutMs?: number; signal?: AbortSignal; env?: Record<string, string> } = {}): Promise<ExecResult> {
    const r = await (await this.get()).exec(command, opts);
    return { exitCode: r.exitCode, signal: r.signal, stdout: r.stdout, stderr: r.stderr, timedOut: r.timedOut, truncated: r.truncated };
  }
  async readFile(file: string): Promise<string> {
    return (await (await this.get()).read(file)).content;
  }
  async writeFile(file: string, content: string): Promise<void> {
    await (await this.get()).write(file, content);
  }
  async list(dir: string): Promise<Array<{ name: string; type: 'file' | 'dir' | 'other'; size: number }>> {
    return (await (await this.get()).list(dir)).map((e) => ({ name: e.name, type: e.type === 'file' || e.type === 'dir' ? e.type : 'other', size: e.size }));
  }
  async edit(file: string, oldText: string, newText: string): Promise<number> {
    return (await (await this.get()).edit(file, oldText, newText)).replacements;
  }
  async applyPatch(patch: string): Promise<string> {
    const r = await (await this.get()).applyPatch(patch);
    return [...r.added.map((f) => `A ${f}`), ...r.updated.map((f) => `M ${f}`), ...r.deleted.map((f) => `D ${f}`)].join('\n') || 'empty patch';
  }
}

/** One SandboxManager per config version; containers outlive it (the manager reuses them by name). */
export class SandboxHosts {
  private manager: { hash: string; m: SandboxManager } | undefined;
  constructor(private readonly current: () => { config: OpenclawConfig; hash: string }, private readonly logger?: Logger) {}

  private get(): SandboxManager {
    const { config, hash } = this.current();
    if (this.manager?.hash !== hash) {
      void this.manager?.m.close().catch(() => {});
      this.manager = { hash, m: new SandboxManager({ config, env: process.env, ...(this.logger ? { log: this.logger } : {}) }) };
    }
    return this.manager.m;
  }

  isSandboxed(agentId: string, sessionKey: string): boolean {
    return this.get().settings({ agentId, sessionKey }).sandboxed;
  }

  hostFor(agentId: string, sessionKey: string): AgentToolHost {
    const m = this.get();
    const s = m.settings({ agentId, sessionKey });
    return new ToolHostAdapter('sandbox', s.docker.workdir, async () => new SandboxToolHost(await m.ensure({ agentId, sessionKey })));
  }

  async close(): Promise<void> {
    await this.manager?.m.close();
  }
}
