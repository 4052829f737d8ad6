// Anthropic Messages with streaming: message_start, content_block_start/delta/stop (text_delta,
// input_json_delta), message_delta (stop_reason, usage), message_stop. Tool input JSON arrives in
// pieces per content block and is parsed when its block stops.
import { httpError, ProviderError } from './errors.js';
import { parseArguments } from './openai.js';
import type { ResolvedModel } from './providers.js';
import { postStream } from './http.js';
import { pumpSse, StreamState } from './stream.js';
import type { Message, ModelRequest, OnText, StopReason, ToolCallBlock, TurnOutput, Usage } from './types.js';
import { textOf } from './types.js';

type Block = Record<string, unknown>;

function toWire(messages: Message[]): Array<{ role: 'user' | 'assistant'; content: Block[] }> {
  const out: Array<{ role: 'user' | 'assistant'; content: Block[] }> = [];
  const push = (role: 'user' | 'assistant', blocks: Block[]) => {
    if (blocks.length === 0) return;
    const last = out[out.length - 1];
    if (last && last.role === role) last.content.push(...blocks); // the API wants turns to alternate
    else out.push({ role, content: blocks });
  };
  for (const m of messages) {
    if (m.role === 'user') push('user', [{ type: 'text', text: textOf(m.content) || ' ' }]);
    else if (m.role === 'toolResult') push('user', [{ type: 'tool_result', tool_use_id: m.toolCallId, content: textOf(m.content), ...(m.isError ? { is_error: true } : {}) }]);
    else {
      const blocks: Block[] = [];
      for (const b of m.content) {
        if (b.type === 'text' && b.text) blocks.push({ type: 'text', text: b.text });
        else if (b.type === 'toolCall') blocks.push({ type: 'tool_use', id: b.id, name: b.name, input: b.arguments });
      }
      push('assistant', blocks);
    }
  }
  return out;
}

const STOP: Record<string, StopReason> = { end_turn: 'stop', stop_sequence: 'stop', max_tokens: 'length', tool_use: 'toolUse', pause_turn: 'stop', refusal: 'stop' };

interface Ev {
  type?: string;
  index?: number;
  message?: { usage?: { input_tokens?: number; output_tokens?: number } };
  content_block?: { type?: string; id?: string; name?: string; text?: string };
  delta?: { type?: string; text?: string; partial_json?: string; stop_reason?: string };
  usage?: { output_tokens?: number };
  error?: { type?: string; message?: string };
}

/** Stream one turn: text goes to `onText` as each network read completes it; resolves at the end. */
export async function streamAnthropic(model: ResolvedModel, req: ModelRequest, onText: OnText): Promise<TurnOutput> {
  const body: Record<string, unknown> = {
    model: model.model,
    max_tokens: req.maxTokens ?? model.maxTokens ?? 4096,
    messages: toWire(req.messages),
    stream: true,
  };
  if (req.system) body.system = req.system;
  if (req.tools.length) body.tools = req.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters }));
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream', 'anthropic-version': '2023-06-01', ...model.headers };
  if (model.apiKey) headers['x-api-key'] = model.apiKey;
  const url = /\/v1$/.test(model.baseUrl) ? `${model.baseUrl}/messages` : `${model.baseUrl}/v1/messages`;
  const label = model.ref;
  const res = await postStream(url, { headers, body: JSON.stringify(body), ...(req.signal ? { signal: req.signal } : {}) });
  if (!res.ok) throw await httpError(res, label);

  const tools = new Map<number, { id: string; name: string; json: string }>();
  const calls: ToolCallBlock[] = [];
  let stop: StopReason | undefined;
  const usage: Usage = { input: 0, output: 0 };
  let sawTool = false;
  const state = new StreamState(onText);
  await pumpSse(res, { label, ...(req.signal ? { signal: req.signal } : {}), retryable: () => !sawTool }, state, (sse) => {
    let ev: Ev;
    try {
      ev = JSON.parse(sse.data) as Ev;
    } catch {
      return;
    }
    const type = ev.type ?? sse.event;
    if (type === 'content_block_delta') {
      if (ev.delta?.type === 'text_delta' && ev.delta.text) state.text += ev.delta.text;
      else if (ev.delta?.type === 'input_json_delta') {
        const t = tools.get(ev.index ?? 0);
        if (t) t.json += ev.delta.partial_json ?? '';
      }
    } else if (type === 'message_start') {
      usage.input = ev.message?.usage?.input_tokens ?? 0;
    } else if (type === 'content_block_start') {
      if (ev.content_block?.type === 'tool_use') {
        sawTool = true;
        tools.set(ev.index ?? 0, { id: ev.content_block.id ?? '', name: ev.content_block.name ?? '', json: '' });
      } else if (ev.content_block?.type === 'text' && ev.content_block.text) state.text += ev.content_block.text;
    } else if (type === 'content_block_stop') {
      const t = tools.get(ev.index ?? 0);
      if (t) {
        tools.delete(ev.index ?? 0);
        calls.push({ type: 'toolCall', id: t.id, name: t.name, arguments: parseArguments(t.json) });
      }
    } else if (type === 'message_delta') {
      if (ev.delta?.stop_reason) stop = STOP[ev.delta.stop_reason] ?? 'stop';
      if (ev.usage?.output_tokens !== undefined) usage.output = ev.usage.output_tokens;
    } else if (type === 'message_stop') {
      state.done = true;
    } else if (type === 'error') {
      const kind = ev.error?.type ?? 'error';
      state.failure = new ProviderError(`${label}: ${kind}: ${ev.error?.message ?? 'stream error'}`, {
        retryable: !state.hasOutput && (kind === 'overloaded_error' || kind === 'api_error' || kind === 'rate_limit_error'),
        afterOutput: state.hasOutput,
      });
    }
  });
  if (!state.done) throw new ProviderError(`${label}: the stream ended before the model finished`, { retryable: !state.emitted && !sawTool, afterOutput: state.emitted });
  return { calls, stopReason: calls.length > 0 ? 'toolUse' : (stop ?? 'stop'), usage };
}
