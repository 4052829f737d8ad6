// Chat over a real gateway connection: send a message and collect the run's events until it ends.
import fs from 'node:fs';
import path from 'node:path';
import type { GatewayClient } from '../../runtime/client/client.js';

export interface ChatEvent {
  event: string;
  payload: Record<string, unknown>;
}

export interface ChatOutcome {
  runId: string;
  state: string;
  events: ChatEvent[];
  final: Record<string, unknown>;
  text: string;
}

/** Route every event for a client through one listener set (GatewayClient has a single onEvent). */
export function listen(client: GatewayClient): Set<(e: ChatEvent) => void> {
  const listeners = new Set<(e: ChatEvent) => void>();
  client.onEvent = (event, payload) => {
    for (const l of listeners) l({ event, payload: payload as Record<string, unknown> });
  };
  return listeners;
}

const listenerSets = new WeakMap<GatewayClient, Set<(e: ChatEvent) => void>>();

export function events(client: GatewayClient): Set<(e: ChatEvent) => void> {
  let set = listenerSets.get(client);
  if (!set) listenerSets.set(client, (set = listen(client)));
  return set;
}

/** chat.send, then wait for the run's final/error/aborted chat event. */
export async function chat(client: GatewayClient, params: Record<string, unknown>, timeoutMs = 20_000): Promise<ChatOutcome> {
  const set = events(client);
  const seen: ChatEvent[] = [];
  let runId: string | undefined;
  let done: ((o: ChatOutcome) => void) | undefined;
  const check = (e: ChatEvent) => {
    if (!runId || e.payload.runId !== runId) return;
    if (e.event === 'chat' && ['final', 'error', 'aborted'].includes(String(e.payload.state))) {
      const mine = seen.filter((x) => x.payload.runId === runId);
      const msg = e.payload.message as { content?: Array<{ type: string; text?: string }> } | undefined;
      done?.({ runId, state: String(e.payload.state), events: mine, final: e.payload, text: (msg?.content ?? []).filter((b) => b.type === 'text').map((b) => b.text).join('') });
    }
  };
  const listener = (e: ChatEvent) => {
    seen.push(e);
    check(e);
  };
  set.add(listener);
  try {
    const result = new Promise<ChatOutcome>((resolve, reject) => {
      done = resolve;
      setTimeout(() => reject(new Error(`run ${runId} did not finish within ${timeoutMs} ms; events: ${JSON.stringify(seen.slice(-5))}`)), timeoutMs).unref();
    });
    const res = (await client.request('chat.send', params)) as { runId: string };
    runId = res.runId;
    for (const e of seen) check(e); // events that arrived before the answer
    return await result;
  } finally {
    set.delete(listener);
  }
}

export interface Transcript {
  file: string;
  records: Array<Record<string, unknown>>;
  raw: string;
}

/** Every session file of an agent, parsed (torn last line ignored, like the runtime). */
export function readTranscripts(stateDir: string, agentId = 'main'): Transcript[] {
  const dir = path.join(stateDir, 'agents', agentId, 'sessions');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.jsonl'))
    .map((n) => {
      const file = path.join(dir, n);
      const raw = fs.readFileSync(file, 'utf8');
      const complete = raw.slice(0, raw.lastIndexOf('\n') + 1);
      return { file, raw, records: complete.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
    });
}

export function transcriptFor(stateDir: string, sessionKey: string, agentId = 'main'): Transcript {
  const t = readTranscripts(stateDir, agentId).find((x) => x.records[0]?.sessionKey === sessionKey);
  if (!t) throw new Error(`no transcript for ${sessionKey} under ${stateDir}`);
  return t;
}

export function messages(t: Transcript): Array<Record<string, unknown>> {
  return t.records.filter((r) => r.type === 'message').map((r) => r.message as Record<string, unknown>);
}
