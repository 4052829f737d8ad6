// Where tool calls touch the world: the small interface the agent loop talks to. Both real hosts,
// the gateway host and a sandbox container, come from runtime/tools through ToolHostAdapter.

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
  list(dir: string): Promise<Array<{ name: string; type: 'file' | 'dir' | 'other'; size: number }>>;
  /** Exact string replace; returns the number of replacements. */
  edit(file: string, oldText: string, newText: string): Promise<number>;
  /** Applies an apply_patch document; returns `A/M/D path` lines. */
  applyPatch(patch: string): Promise<string>;
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
  async list(): Promise<never> {
    return this.fail();
  }
  async edit(): Promise<number> {
    return this.fail();
  }
  async applyPatch(): Promise<string> {
    return this.fail();
  }
}
