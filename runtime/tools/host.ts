// The tools an agent uses to act on files and run commands, independent of where they run:
// LocalToolHost on the gateway host (sandboxing off), SandboxToolHost inside a sandbox container.
import { OpenclawError } from '../../lib/errors.js';
import type { ExecResult } from '../sandbox/channel.js';

export type { ExecResult };

export interface ExecOptions {
  /** Relative to the workspace, or absolute inside it. */
  cwd?: string;
  env?: Record<string, string>;
  stdin?: string;
  timeoutMs?: number;
  maxOutputBytes?: number;
  signal?: AbortSignal;
}

export interface FileEntry {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  size: number;
}

export interface PatchResult {
  added: string[];
  updated: string[];
  deleted: string[];
}

export interface ToolHost {
  readonly kind: 'local' | 'sandbox';
  /** Where relative paths start (the agent workspace, or /workspace in a sandbox). */
  readonly workdir: string;
  exec(command: string, opts?: ExecOptions): Promise<ExecResult>;
  read(file: string, opts?: { maxBytes?: number }): Promise<{ path: string; content: string; size: number; truncated: boolean }>;
  write(file: string, content: string): Promise<{ path: string; bytes: number }>;
  /** Exact string replace: `oldText` must occur exactly once unless `replaceAll`. */
  edit(file: string, oldText: string, newText: string, opts?: { replaceAll?: boolean }): Promise<{ path: string; replacements: number }>;
  applyPatch(patch: string): Promise<PatchResult>;
  list(dir?: string): Promise<FileEntry[]>;
}

export class ToolError extends OpenclawError {
  constructor(message: string, code: string, hint?: string) {
    super(message, { code, ...(hint ? { hint } : {}) });
    this.name = 'ToolError';
  }
}

export const DEFAULT_READ_MAX = 2 * 1024 * 1024;
