// The shapes the agent runtime passes around: transcript messages (the same records land on disk),
// tool specs offered to a model, and what a provider hands back while and after it answers.

export interface TextBlock {
  type: 'text';
  text: string;
}
export interface ToolCallBlock {
  type: 'toolCall';
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

export interface UserMessage {
  role: 'user';
  content: TextBlock[];
  timestamp?: number;
}
export interface AssistantMessage {
  role: 'assistant';
  content: Array<TextBlock | ToolCallBlock>;
  provider?: string;
  model?: string;
  stopReason?: StopReason;
  usage?: Usage;
  errorMessage?: string;
  timestamp?: number;
}
export interface ToolResultMessage {
  role: 'toolResult';
  toolCallId: string;
  toolName: string;
  content: TextBlock[];
  isError: boolean;
  timestamp?: number;
}
export type Message = UserMessage | AssistantMessage | ToolResultMessage;

export type StopReason = 'stop' | 'length' | 'toolUse' | 'error' | 'aborted';
export interface Usage {
  input: number;
  output: number;
}

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema for the arguments object. */
  parameters: Record<string, unknown>;
}

/** Where a provider delivers the reply's text while it streams (called once per network read). */
export type OnText = (text: string) => void;

/** What a provider returns once the model finished its turn: tool calls come whole, at the end. */
export interface TurnOutput {
  calls: ToolCallBlock[];
  stopReason: StopReason;
  usage?: Usage;
}

export interface ModelRequest {
  system: string;
  messages: Message[];
  tools: ToolSpec[];
  maxTokens?: number;
  signal?: AbortSignal;
}

export function textOf(blocks: ReadonlyArray<{ type: string; text?: string }>): string {
  let out = '';
  for (const b of blocks) if (b.type === 'text' && b.text) out += b.text;
  return out;
}
