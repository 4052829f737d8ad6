// The agent runtime: accepts a message into a session (persisted before it is acknowledged), runs
// the agent loop for it (model turn, tool calls, results fed back, until the model stops or the
// step guard trips), streams what happens as `chat`/`agent` events, and writes every message to
// the session's transcript. Runs in one session are serialized; each agent has a concurrency cap.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../lib/log.js';
import type { OpenclawConfig } from '../config/schema.js';
import { canonicalSessionKey, defaultAgent, isSandboxed, listAgents, parseSessionKey, type AgentSettings } from './agents.js';
import { ProviderError } from './errors.js';
import { mkdir } from 'node:fs/promises';
import { LocalToolHost } from '../tools/local.js';
import { UnavailableToolHost, type AgentToolHost } from './host.js';
import { ToolHostAdapter } from './sandbox-host.js';
import { DEFAULT_RETRY, runTurn, type AttemptFailure, type RetryPolicy } from './model.js';
import { effectiveTools } from './policy.js';
import { resolveModel, type ResolvedModel } from './providers.js';
import { ProcessTable, TOOLS, TOOL_NAMES, type SessionOps, type Tool } from './tools.js';
import { messagesOf, SessionStore, type EventRecord, type MessageRecord, type SessionInfo } from './transcript.js';
import { textOf, type AssistantMessage, type Message, type TextBlock, type ToolCallBlock, type ToolResultMessage, type TurnOutput } from './types.js';
import { buildSystemPrompt } from './workspace.js';

export type RunState = 'final' | 'error' | 'aborted';
export type Emit = (sessionKey: string, event: 'chat' | 'agent', payload: Record<string, unknown>) => void;

export interface RuntimeDeps {
  stateDir: string;
  defaultWorkspace: string;
  config: () => OpenclawConfig;
  env: Record<string, string | undefined>;
  inContainer: boolean;
  logger?: Logger;
  emit: Emit;
  retry?: RetryPolicy;
  /** Container-backed tool hosts (the sandbox runtime); decides which sessions are sandboxed. */
  sandbox?: { isSandboxed(agentId: string, sessionKey: string): boolean; hostFor(agentId: string, sessionKey: string): AgentToolHost };
}

export interface SendParams {
  sessionKey?: string;
  agentId?: string;
  message: string;
  idempotencyKey?: string;
  model?: string;
}

export interface SendResult {
  runId: string;
  status: 'started' | 'in_flight' | 'ok' | 'error' | 'aborted';
  sessionKey: string;
  sessionId: string;
  messageId?: string;
}

interface Run {
  runId: string;
  sessionKey: string;
  agentId: string;
  controller: AbortController;
  startedAt: number;
  state?: RunState;
  result: Promise<{ state: RunState; text: string; error?: string }>;
}

export class RuntimeError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(public limit: number) {}
  async acquire(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    return () => {
      this.active--;
      this.waiting.shift()?.();
    };
  }
}

const IDEMPOTENCY_LIMIT = 2000;
/** The longest a delta event goes without the accumulated text (upstream throttles deltas to 150 ms). */
const SNAPSHOT_MS = 150;

// Every run's pending deltas are flushed by one setImmediate per event-loop turn, after the I/O
// that produced them: one timer for all runs, and all their events leave in the same tick (so a
// connection's socket gets them in one write).
let turnQueue: Array<() => void> = [];
function flushTurn(): void {
  const due = turnQueue;
  turnQueue = [];
  for (const fn of due) {
    try {
      fn();
    } catch (err) {
      queueMicrotask(() => {
        throw err; // as uncaught as it was from its own setImmediate, without dropping the others
      });
    }
  }
}
function onNextTurn(fn: () => void): void {
  if (turnQueue.push(fn) === 1) setImmediate(flushTurn);
}

export class AgentRuntime {
  readonly store: SessionStore;
  readonly processes = new ProcessTable();
  private readonly runs = new Map<string, Run>();
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly limiters = new Map<string, Semaphore>();
  private readonly idempotency = new Map<string, SendResult>();

  constructor(private readonly deps: RuntimeDeps) {
    this.store = new SessionStore(deps.stateDir);
  }

  agents(): AgentSettings[] {
    return listAgents(this.deps.config(), this.deps.stateDir, this.deps.defaultWorkspace);
  }

  agent(id: string | undefined): AgentSettings {
    const all = this.agents();
    if (id === undefined) return defaultAgent(all);
    const found = all.find((a) => a.id === id);
    if (!found) throw new RuntimeError('UNKNOWN_AGENT', `unknown agent '${id}' (configured: ${all.map((a) => a.id).join(', ')})`);
    return found;
  }

  /** The agent and canonical key for a request's sessionKey/agentId. */
  route(sessionKey: string | undefined, agentId: string | undefined): { agent: AgentSettings; sessionKey: string } {
    const fromKey = sessionKey?.startsWith('agent:') ? parseSessionKey(sessionKey) : undefined;
    if (sessionKey?.startsWith('agent:') && !fromKey) throw new RuntimeError('INVALID_SESSION_KEY', `invalid session key '${sessionKey}' (expected agent:<agentId>:<name>)`);
    if (fromKey && agentId && fromKey.agentId !== agentId) throw new RuntimeError('INVALID_SESSION_KEY', `session key ${sessionKey} belongs to agent '${fromKey.agentId}', not '${agentId}'`);
    const agent = this.agent(fromKey?.agentId ?? agentId);
    const key = canonicalSessionKey(sessionKey, agent.id);
    if (!parseSessionKey(key)) throw new RuntimeError('INVALID_SESSION_KEY', `invalid session key '${sessionKey}'`);
    return { agent, sessionKey: key };
  }

  resolveModels(agent: AgentSettings, override?: string): ResolvedModel[] {
    const refs = override ? [override, ...agent.models.filter((m) => m !== override)] : agent.models;
    const penv = { env: this.deps.env, inContainer: this.deps.inContainer, stateDir: this.deps.stateDir, agentId: agent.id };
    return refs.map((ref) => resolveModel(ref, this.deps.config(), penv));
  }

  activeRuns(sessionKey?: string): Array<{ runId: string; sessionKey: string; startedAt: number }> {
    return [...this.runs.values()].filter((r) => !r.state && (!sessionKey || r.sessionKey === sessionKey)).map((r) => ({ runId: r.runId, sessionKey: r.sessionKey, startedAt: r.startedAt }));
  }

  /** Persist the user's message (synced to disk), then start (or queue) a run for it. */
  async send(params: SendParams): Promise<SendResult> {
    const { agent, sessionKey } = this.route(params.sessionKey, params.agentId);
    const idemKey = params.idempotencyKey ? `${sessionKey}\n${params.idempotencyKey}` : undefined;
    if (idemKey) {
      const prior = this.idempotency.get(idemKey);
      if (prior) {
        const run = this.runs.get(prior.runId);
        return { ...prior, status: run && !run.state ? 'in_flight' : run?.state === 'final' || !run ? 'ok' : run.state === 'aborted' ? 'aborted' : 'error' };
      }
    }
    if (params.model) this.resolveModels(agent, params.model); // fail the request now on a bad ref
    const runId = randomUUID();
    const { info, written } = await this.store.openAndAppend(agent.id, sessionKey, [{ type: 'message', runId, message: { role: 'user', content: [{ type: 'text', text: params.message }], timestamp: Date.now() } }]);
    const rec = written[0];
    const controller = new AbortController();
    const run: Run = { runId, sessionKey, agentId: agent.id, controller, startedAt: Date.now(), result: undefined as never };
    const prev = this.tails.get(sessionKey) ?? Promise.resolve();
    run.result = prev.then(() => this.execute(run, info, params.model));
    const tail = run.result.catch(() => {});
    this.tails.set(sessionKey, tail);
    void tail.then(() => {
      if (this.tails.get(sessionKey) === tail) this.tails.delete(sessionKey);
      setTimeout(() => this.runs.delete(runId), 60_000).unref();
    });
    this.runs.set(runId, run);
    const result: SendResult = { runId, status: 'started', sessionKey, sessionId: info.sessionId, ...(rec ? { messageId: rec.id } : {}) };
    if (idemKey) {
      this.idempotency.set(idemKey, result);
      if (this.idempotency.size > IDEMPOTENCY_LIMIT) this.idempotency.delete(this.idempotency.keys().next().value!);
    }
    return result;
  }

  /** Send and wait for the run's final text (sessions_send, sessions_spawn, tests). */
  async sendAndWait(params: SendParams): Promise<{ runId: string; sessionKey: string; state: RunState; text: string; error?: string }> {
    const r = await this.send(params);
    const run = this.runs.get(r.runId);
    const outcome = run ? await run.result : { state: 'final' as const, text: '' };
    return { runId: r.runId, sessionKey: r.sessionKey, ...outcome };
  }

  abort(sessionKey: string, runId?: string): string[] {
    const aborted: string[] = [];
    for (const run of this.runs.values()) {
      if (run.state || run.sessionKey !== sessionKey || (runId && run.runId !== runId)) continue;
      run.controller.abort();
      aborted.push(run.runId);
    }
    return aborted;
  }

  async history(sessionKey: string, agentId?: string): Promise<{ info: SessionInfo | undefined; records: Array<MessageRecord | EventRecord>; tornBytes: number }> {
    const { agent, sessionKey: key } = this.route(sessionKey, agentId);
    const info = await this.store.find(agent.id, key);
    if (!info) return { info: undefined, records: [], tornBytes: 0 };
    const loaded = await this.store.load(info);
    return { info, records: loaded.records.filter((r): r is MessageRecord | EventRecord => r.type !== 'session'), tornBytes: loaded.tornBytes };
  }

  async close(): Promise<void> {
    for (const run of this.runs.values()) if (!run.state) run.controller.abort();
    this.processes.killAll();
    await Promise.all([...this.tails.values()]);
    await this.store.close();
    await (this.deps.sandbox as { close?: () => Promise<void> } | undefined)?.close?.();
  }

  private limiter(agent: AgentSettings): Semaphore {
    let s = this.limiters.get(agent.id);
    if (!s) this.limiters.set(agent.id, (s = new Semaphore(agent.maxConcurrent)));
    s.limit = agent.maxConcurrent;
    return s;
  }

  private sandboxed(agent: AgentSettings, sessionKey: string): boolean {
    return this.deps.sandbox ? this.deps.sandbox.isSandboxed(agent.id, sessionKey) : isSandboxed(agent, sessionKey);
  }

  private hostFor(agent: AgentSettings, sessionKey: string): AgentToolHost {
    if (!this.sandboxed(agent, sessionKey)) {
      // The same tool implementation as in a sandbox, confined to the agent workspace on this host.
      return new ToolHostAdapter('host', agent.workspace, async () => {
        await mkdir(agent.workspace, { recursive: true, mode: 0o700 });
        return new LocalToolHost(agent.workspace);
      });
    }
    return this.deps.sandbox?.hostFor(agent.id, sessionKey) ?? new UnavailableToolHost(agent.workspace, `sandbox.mode=${agent.sandboxMode} puts session ${sessionKey} in a sandbox, but no sandbox runtime is available; nothing was run`);
  }

  private sessionOps(agent: AgentSettings, sessionKey: string, host: AgentToolHost, model: () => string | undefined): SessionOps {
    return {
      list: async () => (await this.store.list(agent.id)).map((s) => ({ key: s.sessionKey, updatedAt: s.updatedAt, ...(s.title ? { title: s.title } : {}) })),
      history: async (key, limit) => {
        const { records } = await this.history(key, agent.id);
        return messagesOf(records).slice(-limit).map((m) => ({ role: m.role, text: m.role === 'assistant' ? textOf(m.content) : textOf(m.content) }));
      },
      send: async (key, message) => {
        const target = canonicalSessionKey(key, agent.id);
        if (target === sessionKey) throw new Error('sessions_send cannot target the current session');
        const r = await this.sendAndWait({ sessionKey: target, message });
        return { runId: r.runId, reply: r.state === 'final' ? r.text : `[${r.state}] ${r.error ?? ''}` };
      },
      spawn: async (task, label) => {
        const key = `agent:${agent.id}:subagent:${(label ?? 'task').toLowerCase().replace(/[^a-z0-9_-]+/g, '-').slice(0, 40)}-${randomUUID().slice(0, 8)}`;
        const r = await this.sendAndWait({ sessionKey: key, message: task });
        return { sessionKey: key, reply: r.state === 'final' ? r.text : `[${r.state}] ${r.error ?? ''}` };
      },
      status: async () => ({ sessionKey, agentId: agent.id, model: model(), toolHost: host.kind, workspace: host.workdir, activeRuns: this.activeRuns().length }),
    };
  }

  private async execute(run: Run, info: SessionInfo, modelOverride: string | undefined): Promise<{ state: RunState; text: string; error?: string }> {
    const { runId, sessionKey } = run;
    let seq = 0;
    const chat = (state: string, extra: Record<string, unknown>) => this.deps.emit(sessionKey, 'chat', { runId, sessionKey, seq: ++seq, state, ...extra });
    const agentEvent = (stream: string, data: Record<string, unknown>) => this.deps.emit(sessionKey, 'agent', { runId, sessionKey, seq: ++seq, stream, ts: Date.now(), data });
    const pendingEvents: Array<Omit<EventRecord, 'id' | 'ts'>> = [];
    const persist = (records: Array<Omit<MessageRecord, 'id' | 'ts'> | Omit<EventRecord, 'id' | 'ts'>>) => this.store.append(info, [...pendingEvents.splice(0), ...records]);
    const finish = async (state: RunState, text: string, partial: AssistantMessage | undefined, error?: string) => {
      run.state = state;
      const records: Array<Omit<MessageRecord, 'id' | 'ts'> | Omit<EventRecord, 'id' | 'ts'>> = [];
      if (partial) records.push({ type: 'message', runId, message: partial });
      if (state !== 'final') records.push({ type: 'event', runId, kind: state === 'aborted' ? 'aborted' : 'run_error', ...(error ? { error } : {}) });
      await persist(records).catch((err: Error) => this.deps.logger?.error('agent.persist_failed', { runId, reason: err.message }));
      agentEvent('lifecycle', { phase: 'end', state });
      if (state === 'final') chat('final', { message: partial ?? { role: 'assistant', content: [{ type: 'text', text }] }, ...(partial?.usage ? { usage: partial.usage } : {}), stopReason: partial?.stopReason ?? 'stop' });
      else if (state === 'aborted') chat('aborted', partial ? { message: partial } : {});
      else chat('error', { errorMessage: error ?? 'run failed', ...(partial ? { message: partial } : {}) });
      return { state, text, ...(error ? { error } : {}) };
    };

    const agent = (() => {
      try {
        return this.agent(run.agentId);
      } catch {
        return undefined;
      }
    })();
    if (!agent) return finish('error', '', undefined, `agent '${run.agentId}' is no longer configured`);
    const release = await this.limiter(agent).acquire();
    try {
      if (run.controller.signal.aborted) return await finish('aborted', '', undefined);
      let models: ResolvedModel[];
      try {
        models = this.resolveModels(agent, modelOverride);
      } catch (err) {
        return await finish('error', '', undefined, (err as Error).message);
      }
      if (models.length === 0) return await finish('error', '', undefined, `no model configured for agent '${agent.id}' (set agents.defaults.model.primary, e.g. "openai/gpt-4o-mini")`);
      const host = this.hostFor(agent, sessionKey);
      const cfg = this.deps.config();
      const allowed = new Set(effectiveTools(TOOL_NAMES, { global: cfg.tools, agent: agent.tools, ...(this.sandboxed(agent, sessionKey) ? { sandbox: agent.sandboxTools } : {}) }));
      const tools: Tool[] = TOOLS.filter((t) => allowed.has(t.name));
      const loaded = await this.store.load(info);
      const history: Message[] = messagesOf(loaded.records);
      const system = await buildSystemPrompt({ agentId: agent.id, agentName: agent.name, workspace: agent.workspace, tools: tools.map((t) => t.name), hostKind: host.kind, sessionKey });
      let usedModel: string | undefined;
      const ops = this.sessionOps(agent, sessionKey, host, () => usedModel);
      agentEvent('lifecycle', { phase: 'start', host: host.kind });

      let finalText = '';
      for (let step = 0; ; step++) {
        if (step >= agent.maxSteps) {
          return await finish('error', finalText, undefined, `stopped after ${agent.maxSteps} model steps without a final answer (max-steps guard)`);
        }
        // One model turn. Text deltas that arrive in the same event-loop turn go out as one event.
        // Each delta event carries the new text only (`delta`, what our UI and CLI append); the
        // whole text so far (`message`, what upstream clients render) rides along at most every
        // SNAPSHOT_MS, upstream's own pacing, so a long reply is not re-serialized on every token.
        // The final event always carries the whole message.
        let text = '';
        let pending = '';
        let flushScheduled = false;
        let snapshotAt = 0;
        const flush = () => {
          flushScheduled = false;
          if (!pending) return;
          const delta = pending;
          pending = '';
          const now = Date.now();
          if (now - snapshotAt >= SNAPSHOT_MS) {
            snapshotAt = now;
            chat('delta', { delta, message: { role: 'assistant', content: [{ type: 'text', text }], timestamp: now } });
          } else chat('delta', { delta });
        };
        const onText = (t: string) => {
          text += t;
          pending += t;
          if (!flushScheduled) {
            flushScheduled = true;
            onNextTurn(flush);
          }
        };
        const hooks = {
          onAttempt: (m: ResolvedModel) => (usedModel = m.ref),
          onFailure: (f: AttemptFailure) => {
            pendingEvents.push({ type: 'event', runId, kind: 'model_error', model: f.model.ref, attempt: f.attempt, status: f.error.status ?? null, error: f.error.message, next: f.next, ...(f.delayMs !== undefined ? { delayMs: f.delayMs } : {}) });
            this.deps.logger?.warn('agent.model_failed', { runId, model: f.model.ref, attempt: f.attempt, status: f.error.status, next: f.next, reason: f.error.message });
          },
        };
        let model: ResolvedModel;
        let output: TurnOutput;
        try {
          ({ model, output } = await runTurn(models, { system, messages: history, tools, signal: run.controller.signal }, onText, hooks, this.deps.retry ?? DEFAULT_RETRY));
        } catch (err) {
          flush();
          const e = err as ProviderError;
          const partial: AssistantMessage | undefined = text
            ? { role: 'assistant', content: [{ type: 'text', text }], ...(usedModel ? { provider: usedModel.split('/')[0]!, model: usedModel.slice(usedModel.indexOf('/') + 1) } : {}), stopReason: e.options?.aborted ? 'aborted' : 'error', ...(e.options?.aborted ? {} : { errorMessage: e.message }), timestamp: Date.now() }
            : undefined;
          if (run.controller.signal.aborted || e.options?.aborted) return await finish('aborted', finalText + text, partial);
          return await finish('error', finalText + text, partial, e.message);
        }
        const { calls, stopReason, usage } = output;
        flush();
        const assistant: AssistantMessage = {
          role: 'assistant',
          content: [...(text ? [{ type: 'text', text } as TextBlock] : []), ...calls],
          provider: model.provider,
          model: model.model,
          stopReason,
          ...(usage ? { usage } : {}),
          timestamp: Date.now(),
        };
        finalText = text || finalText;
        if (calls.length === 0) {
          run.state = 'final';
          return await finish('final', text, assistant);
        }
        await persist([{ type: 'message', runId, message: assistant }]);
        history.push(assistant);
        for (const call of calls) {
          agentEvent('tool', { phase: 'start', name: call.name, toolCallId: call.id, args: call.arguments, host: host.kind });
          const result = await this.runTool(call, tools, allowed, { host, signal: run.controller.signal, sessions: ops, processes: this.processes });
          agentEvent('tool', { phase: 'result', name: call.name, toolCallId: call.id, isError: result.isError, result: result.content[0]?.text ?? '' });
          await persist([{ type: 'message', runId, message: result }]);
          history.push(result);
          if (run.controller.signal.aborted) return await finish('aborted', finalText, undefined);
        }
      }
    } catch (err) {
      this.deps.logger?.error('agent.run_failed', { runId, reason: err as Error });
      return await finish('error', '', undefined, (err as Error).message);
    } finally {
      release();
    }
  }

  private async runTool(call: ToolCallBlock, tools: Tool[], allowed: Set<string>, ctx: Parameters<Tool['run']>[1]): Promise<ToolResultMessage> {
    const base = { role: 'toolResult' as const, toolCallId: call.id, toolName: call.name, timestamp: Date.now() };
    const tool = tools.find((t) => t.name === call.name);
    if (!tool || !allowed.has(call.name)) return { ...base, content: [{ type: 'text', text: `Tool not available: ${call.name}` }], isError: true };
    if ('__invalidJson' in call.arguments) return { ...base, content: [{ type: 'text', text: `invalid JSON arguments for ${call.name}: ${String(call.arguments.__invalidJson).slice(0, 200)}` }], isError: true };
    try {
      const out = await tool.run(call.arguments, ctx);
      return { ...base, content: [{ type: 'text', text: out.text }], isError: out.isError === true };
    } catch (err) {
      return { ...base, content: [{ type: 'text', text: `${call.name} failed: ${(err as Error).message}` }], isError: true };
    }
  }
}
