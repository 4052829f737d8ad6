// The tools offered to the model: their JSON schemas and what each does through the tool host.
// Results are plain text for the model; `details` carries structure for the UI's tool cards.
import type { AgentToolHost } from './host.js';
import type { ToolSpec } from './types.js';

export interface ToolOutput {
  text: string;
  isError?: boolean;
  details?: Record<string, unknown>;
}

/** Session operations the sessions_* tools need; the runtime provides them. */
export interface SessionOps {
  list(): Promise<Array<{ key: string; title?: string; updatedAt: number }>>;
  history(key: string, limit: number): Promise<Array<{ role: string; text: string }>>;
  send(key: string, message: string): Promise<{ runId: string; reply?: string }>;
  spawn(task: string, label?: string): Promise<{ sessionKey: string; reply?: string }>;
  status(): Promise<Record<string, unknown>>;
}

export interface ToolContext {
  host: AgentToolHost;
  signal: AbortSignal;
  sessions: SessionOps;
  processes: ProcessTable;
}

export interface Tool extends ToolSpec {
  run(args: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutput>;
}

const str = (description: string) => ({ type: 'string', description });
const num = (description: string) => ({ type: 'number', description });
const schema = (props: Record<string, unknown>, required: string[]) => ({ type: 'object', properties: props, required, additionalProperties: false });

function need(args: Record<string, unknown>, key: string): string {
  const v = args[key];
  if (typeof v !== 'string' || v === '') throw new Error(`missing required string argument '${key}'`);
  return v;
}

function execText(r: { exitCode: number | null; signal: string | null; stdout: string; stderr: string; timedOut: boolean; truncated: boolean }): string {
  const parts = [];
  if (r.stdout) parts.push(r.stdout.trimEnd());
  if (r.stderr) parts.push(`[stderr]\n${r.stderr.trimEnd()}`);
  const status = r.timedOut ? 'timed out' : r.signal ? `killed by ${r.signal}` : `exit code ${r.exitCode}`;
  parts.push(`[${status}${r.truncated ? ', output truncated' : ''}]`);
  return parts.join('\n');
}

/** Background commands started with `process`: output kept in memory, capped. */
export class ProcessTable {
  private readonly procs = new Map<string, { command: string; output: string; done: boolean; exitCode: number | null; abort: AbortController }>();
  private next = 1;

  start(host: AgentToolHost, command: string): string {
    const id = `p${this.next++}`;
    const abort = new AbortController();
    const entry = { command, output: '', done: false, exitCode: null as number | null, abort };
    this.procs.set(id, entry);
    void host.exec(command, { signal: abort.signal, timeoutMs: 3_600_000 }).then(
      (r) => Object.assign(entry, { done: true, exitCode: r.exitCode, output: (entry.output + execText(r)).slice(-100_000) }),
      (err: Error) => Object.assign(entry, { done: true, output: entry.output + err.message }),
    );
    return id;
  }
  poll(id: string): { done: boolean; exitCode: number | null; output: string } | undefined {
    const p = this.procs.get(id);
    return p && { done: p.done, exitCode: p.exitCode, output: p.output };
  }
  kill(id: string): boolean {
    const p = this.procs.get(id);
    if (!p) return false;
    p.abort.abort();
    return true;
  }
  killAll(): void {
    for (const p of this.procs.values()) p.abort.abort();
  }
}

export const TOOLS: Tool[] = [
  {
    name: 'exec',
    description: 'Run a shell command in the workspace and return its output and exit code.',
    parameters: schema({ command: str('Shell command to run'), cwd: str('Working directory (relative to the workspace)'), timeoutSeconds: num('Give up after this many seconds (default 120)') }, ['command']),
    async run(args, { host, signal }) {
      const r = await host.exec(need(args, 'command'), {
        ...(typeof args.cwd === 'string' ? { cwd: args.cwd } : {}),
        timeoutMs: typeof args.timeoutSeconds === 'number' ? Math.min(args.timeoutSeconds, 3600) * 1000 : 120_000,
        signal,
      });
      return { text: execText(r), isError: r.exitCode !== 0, details: { exitCode: r.exitCode, timedOut: r.timedOut, host: host.kind } };
    },
  },
  {
    name: 'process',
    description: 'Manage background commands: action "start" (with command), "poll" or "kill" (with id).',
    parameters: schema({ action: { type: 'string', enum: ['start', 'poll', 'kill'] }, command: str('Command for start'), id: str('Process id for poll/kill') }, ['action']),
    async run(args, { host, processes }) {
      const action = need(args, 'action');
      if (action === 'start') return { text: `started ${processes.start(host, need(args, 'command'))}` };
      const id = need(args, 'id');
      if (action === 'kill') return processes.kill(id) ? { text: `killed ${id}` } : { text: `no process ${id}`, isError: true };
      const p = processes.poll(id);
      if (!p) return { text: `no process ${id}`, isError: true };
      return { text: `${p.done ? `finished (exit ${p.exitCode})` : 'running'}\n${p.output}` };
    },
  },
  {
    name: 'read',
    description: 'Read a text file. Optional 1-based line offset and line limit.',
    parameters: schema({ path: str('File path'), offset: num('First line (1-based)'), limit: num('Number of lines') }, ['path']),
    async run(args, { host }) {
      const text = await host.readFile(need(args, 'path'));
      if (typeof args.offset !== 'number' && typeof args.limit !== 'number') return { text: text.length > 100_000 ? `${text.slice(0, 100_000)}\n[truncated]` : text };
      const lines = text.split('\n');
      const start = Math.max(1, Number(args.offset ?? 1)) - 1;
      return { text: lines.slice(start, start + Number(args.limit ?? 2000)).join('\n') };
    },
  },
  {
    name: 'write',
    description: 'Create or overwrite a file with the given content.',
    parameters: schema({ path: str('File path'), content: str('Full file content') }, ['path', 'content']),
    async run(args, { host }) {
      const content = typeof args.content === 'string' ? args.content : '';
      await host.writeFile(need(args, 'path'), content);
      return { text: `wrote ${Buffer.byteLength(content)} bytes to ${args.path}` };
    },
  },
  {
    name: 'edit',
    description: 'Replace an exact snippet in a file (oldText must occur exactly once).',
    parameters: schema({ path: str('File path'), oldText: str('Exact text to replace'), newText: str('Replacement') }, ['path', 'oldText', 'newText']),
    async run(args, { host }) {
      const file = need(args, 'path');
      const oldText = need(args, 'oldText');
      const newText = typeof args.newText === 'string' ? args.newText : '';
      return { text: `edited ${file} (${await host.edit(file, oldText, newText)} replacement)` };
    },
  },
  {
    name: 'apply_patch',
    description: "Apply a multi-file patch in the '*** Begin Patch' ... '*** End Patch' format (Add File, Delete File, Update File with @@ hunks).",
    parameters: schema({ input: str('The full patch text') }, ['input']),
    async run(args, { host }) {
      return { text: await host.applyPatch(need(args, 'input')) };
    },
  },
  {
    name: 'ls',
    description: 'List a directory.',
    parameters: schema({ path: str('Directory (default: the workspace)') }, []),
    async run(args, { host }) {
      const entries = await host.list(typeof args.path === 'string' && args.path ? args.path : '.');
      entries.sort((a, b) => a.name.localeCompare(b.name));
      return { text: entries.map((e) => `${e.name}${e.type === 'dir' ? '/' : ''}${e.type === 'file' ? ` (${e.size} B)` : ''}`).join('\n') || '(empty)' };
    },
  },
  {
    name: 'sessions_list',
    description: "List this agent's sessions.",
    parameters: schema({}, []),
    async run(_args, { sessions }) {
      const list = await sessions.list();
      return { text: list.map((s) => `${s.key}\t${new Date(s.updatedAt).toISOString()}\t${s.title ?? ''}`).join('\n') || '(no sessions)' };
    },
  },
  {
    name: 'sessions_history',
    description: 'Read the recent messages of another session.',
    parameters: schema({ sessionKey: str('Session key'), limit: num('Messages to return (default 20)') }, ['sessionKey']),
    async run(args, { sessions }) {
      const msgs = await sessions.history(need(args, 'sessionKey'), typeof args.limit === 'number' ? args.limit : 20);
      return { text: msgs.map((m) => `${m.role}: ${m.text}`).join('\n') || '(empty)' };
    },
  },
  {
    name: 'sessions_send',
    description: 'Send a message into another session and wait for its reply.',
    parameters: schema({ sessionKey: str('Session key'), message: str('Message text') }, ['sessionKey', 'message']),
    async run(args, { sessions }) {
      const r = await sessions.send(need(args, 'sessionKey'), need(args, 'message'));
      return { text: r.reply ?? `started run ${r.runId}`, details: { runId: r.runId } };
    },
  },
  {
    name: 'sessions_spawn',
    description: 'Start a sub-agent in a new session with a task and wait for its answer.',
    parameters: schema({ task: str('What the sub-agent should do'), label: str('Short label') }, ['task']),
    async run(args, { sessions }) {
      const r = await sessions.spawn(need(args, 'task'), typeof args.label === 'string' ? args.label : undefined);
      return { text: r.reply ?? '(no reply)', details: { sessionKey: r.sessionKey } };
    },
  },
  {
    name: 'session_status',
    description: 'Show the current session, agent, model and tool host.',
    parameters: schema({}, []),
    async run(_args, { sessions }) {
      return { text: JSON.stringify(await sessions.status(), null, 2) };
    },
  },
];

export const TOOL_NAMES = TOOLS.map((t) => t.name);
