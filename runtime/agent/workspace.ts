// The system prompt: who the agent is and what it may do, plus the workspace's own files
// (AGENTS.md, SOUL.md, ...) when present, each capped so one huge file cannot crowd out the rest.
import { promises as fs } from 'node:fs';
import path from 'node:path';

export const WORKSPACE_FILES = ['AGENTS.md', 'SOUL.md', 'TOOLS.md', 'IDENTITY.md', 'USER.md', 'HEARTBEAT.md', 'BOOTSTRAP.md', 'MEMORY.md'];
const MAX_FILE_CHARS = 20_000;
const MAX_TOTAL_CHARS = 150_000;

export async function readWorkspaceFiles(dir: string): Promise<Array<{ name: string; text: string; truncated: boolean }>> {
  const out: Array<{ name: string; text: string; truncated: boolean }> = [];
  let total = 0;
  // One readdir instead of a failed open per missing file: every run builds its prompt, and most
  // workspaces hold few of these files (a failed open also costs an Error with a stack trace).
  let present: Set<string>;
  try {
    present = new Set(await fs.readdir(dir));
  } catch {
    return out;
  }
  for (const name of WORKSPACE_FILES) {
    if (!present.has(name)) continue;
    let text: string;
    try {
      text = await fs.readFile(path.join(dir, name), 'utf8');
    } catch {
      continue;
    }
    if (!text.trim()) continue;
    const room = Math.min(MAX_FILE_CHARS, MAX_TOTAL_CHARS - total);
    if (room <= 0) break;
    const truncated = text.length > room;
    out.push({ name, text: truncated ? text.slice(0, room) : text, truncated });
    total += Math.min(text.length, room);
  }
  return out;
}

export async function buildSystemPrompt(opts: { agentId: string; agentName: string; workspace: string; tools: string[]; hostKind: string; sessionKey: string }): Promise<string> {
  const files = await readWorkspaceFiles(opts.workspace);
  const parts = [
    `You are ${opts.agentName}, a personal assistant running inside OpenClaw (agent id "${opts.agentId}", session ${opts.sessionKey}).`,
    opts.tools.length
      ? `Tools available: ${opts.tools.join(', ')}. Commands and file tools run ${opts.hostKind === 'sandbox' ? 'in a sandbox container' : 'on the gateway host'}; the working directory is ${opts.workspace}.`
      : 'No tools are available in this session.',
    `Current date: ${new Date().toISOString().slice(0, 10)}.`,
  ];
  if (files.length) {
    parts.push('# Project Context', 'The following workspace files were loaded:');
    for (const f of files) parts.push(`## ${f.name}\n\n${f.text.trimEnd()}${f.truncated ? '\n\n[truncated]' : ''}`);
  }
  return parts.join('\n\n');
}
