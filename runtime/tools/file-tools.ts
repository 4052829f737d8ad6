// edit and apply_patch written once, on top of each host's own read/write/remove, so the gateway
// host and a sandbox container behave identically (same matching, same errors).
import type { PatchResult } from './host.js';
import { applyPatch, replaceExact } from './patch.js';

/** Files edit and apply_patch will load whole. */
const EDIT_MAX_BYTES = 64 * 1024 * 1024;

export abstract class FileToolHost {
  abstract read(file: string, opts?: { maxBytes?: number }): Promise<{ path: string; content: string; size: number; truncated: boolean }>;
  abstract write(file: string, content: string): Promise<{ path: string; bytes: number }>;
  protected abstract remove(file: string): Promise<void>;
  /** Refuse a path that may not be written (TOOL_PATH) before apply_patch writes anything. */
  protected abstract checkPath(file: string): Promise<void>;

  async edit(file: string, oldText: string, newText: string, opts: { replaceAll?: boolean } = {}): Promise<{ path: string; replacements: number }> {
    const { content } = await this.read(file, { maxBytes: EDIT_MAX_BYTES });
    const r = replaceExact(content, oldText, newText, file, opts.replaceAll);
    await this.write(file, r.text);
    return { path: file, replacements: r.count };
  }

  applyPatch(patch: string): Promise<PatchResult> {
    return applyPatch(patch, {
      readText: async (f) => (await this.read(f, { maxBytes: EDIT_MAX_BYTES })).content,
      writeText: async (f, c) => void (await this.write(f, c)),
      remove: (f) => this.remove(f),
      check: (f) => this.checkPath(f),
    });
  }
}
