// OpenAI-compatible Chat Completions with streaming (OpenAI, Groq, Ollama, LM Studio, vLLM...).
// Tool calls arrive as `choices[0].delta.tool_calls[]` fragments keyed by index: the id and name
// come first, the JSON arguments in pieces; they are assembled here and emitted whole at the end.
import { httpError, ProviderError } from './errors.js';
import type { ResolvedModel } from './providers.js';
import { postStream } from './http.js';
import { pumpSse, StreamState } from './stream.js';
import type { Message, ModelRequest, OnText, StopReason, ToolCallBlock, TurnOutput, Usage } from './types.js';
import { textOf } from './types.js';

function toWire(system: string, messages: Message[]): unknown[] {
  const out: unknown[] = [];
  if (system) out.push({ role: 'system', content: system });
  for (const m of messages) {
    if (m.role === 'user') out.push({ role: 'user', content: textOf(m.content) });
    else if (m.role === 'toolResult') out.push({ role: 'tool', tool_call_id: m.toolCallId, content: textOf(m.content) });
    else {
      const calls = m.content.filter((b): b is ToolCallBlock => b.type === 'toolCall');
      const text = textOf(m.content);
      out.push({
        role: 'assistant',
        content: text || (calls.length ? null : ''),
        ...(calls.length ? { tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } })) } : {}),
      });
    }
  }
  return out;
}

const FINISH: Record<string, StopReason> = { stop: 'stop', length: 'length', tool_calls: 'toolUse', function_call: 'toolUse', content_filter: 'stop' };

interface Chunk {
  choices?: Array<{ delta?: { content?: string | null; tool_calls?: Array<{ index?: number; id?: string; function?: { name?: string; arguments?: string } }> }; finish_reason?: string | null }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string; type?: string; code?: string } | string;
}

export function parseArguments(raw: string): Record<string, unknown> {
  if (!raw.trim()) return {};
  try {
    const v = JSON.parse(raw) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };
  } catch {
    return { __invalidJson: raw };
  }
}

/** Stream one turn: text goes to `onText` as each network read completes it; resolves at the end. */
export async function streamOpenAI(model: ResolvedModel, req: ModelRequest, onText: OnText): Promise<TurnOutput> {
  const body: Record<string, unknown> = {
    model: model.model,
    messages: toWire(req.system, req.messages),
    stream: true,
    stream_options: { include_usage: true },
  };
  if (req.tools.length) body.tools = req.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }));
  const maxTokens = req.maxTokens ?? model.maxTokens;
  if (maxTokens) body.max_tokens = maxTokens;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream', ...model.headers };
  if (model.apiKey) headers.authorization = `Bearer ${model.apiKey}`;
  const label = `${model.ref}`;
  const res = await postStream(`${model.baseUrl}/chat/completions`, { headers, body: JSON.stringify(body), ...(req.signal ? { signal: req.signal } : {}) });
  if (!res.ok) throw await httpError(res, label);

  const calls = new Map<number, { id: string; name: string; args: string }>();
  let finish: StopReason | undefined;
  let usage: Usage | undefined;
  const state = new StreamState(onText);
  await pumpSse(res, { label, ...(req.signal ? { signal: req.signal } : {}), retryable: () => true }, state, (ev) => {
    if (ev.data === '[DONE]') {
      state.done = true;
      return;
    }
    let chunk: Chunk;
    try {
      chunk = JSON.parse(ev.data) as Chunk;
    } catch {
      return; // a keep-alive or vendor line we do not understand
    }
    if (chunk.error) {
      const msg = typeof chunk.error === 'string' ? chunk.error : (chunk.error.message ?? 'stream error');
      state.failure = new ProviderError(`${label}: ${msg}`, { retryable: !state.hasOutput, afterOutput: state.hasOutput });
      return;
    }
    if (chunk.usage) usage = { input: chunk.usage.prompt_tokens ?? 0, output: chunk.usage.completion_tokens ?? 0 };
    const choice = chunk.choices?.[0];
    if (!choice) return;
    const delta = choice.delta;
    if (delta?.content) state.text += delta.content;
    if (delta?.tool_calls) {
      for (const tc of delta.tool_calls) {
        const index = tc.index ?? 0;
        let call = calls.get(index);
        if (!call) calls.set(index, (call = { id: '', name: '', args: '' }));
        if (tc.id) call.id = tc.id;
        if (tc.function?.name) call.name += tc.function.name;
        if (tc.function?.arguments) call.args += tc.function.arguments;
      }
    }
    if (choice.finish_reason) finish = FINISH[choice.finish_reason] ?? 'stop';
  });
  if (!state.done && finish === undefined) {
    throw new ProviderError(`${label}: the stream ended before the model finished`, { retryable: !state.emitted && calls.size === 0, afterOutput: state.emitted });
  }
  const toolCalls: ToolCallBlock[] = [...calls.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([index, c]) => ({ type: 'toolCall', id: c.id || `call_${index}`, name: c.name, arguments: parseArguments(c.args) }));
  return { calls: toolCalls, stopReason: toolCalls.length > 0 ? 'toolUse' : (finish ?? 'stop'), ...(usage ? { usage } : {}) };
}
