// edit (exact string replace) and apply_patch (the `*** Begin Patch` format agents emit), written
// once over a tiny file interface so the local and the sandbox hosts behave identically.
import { ToolError, type PatchResult } from './host.js';

export interface FileOps {
  readText(file: string): Promise<string>;
  writeText(file: string, content: string): Promise<void>;
  remove(file: string): Promise<void>;
  /** Throws when a file could not be written (outside the workspace). */
  check?(file: string): Promise<void>;
}

export function replaceExact(text: string, oldText: string, newText: string, file: string, replaceAll = false): { text: string; count: number } {
  if (oldText === '') throw new ToolError(`edit: ${file}: oldText is empty`, 'TOOL_EDIT', 'pass the exact text to replace');
  const count = text.split(oldText).length - 1;
  if (count === 0) throw new ToolError(`edit: ${file}: oldText not found`, 'TOOL_EDIT', 'read the file and copy the text exactly, including whitespace');
  if (count > 1 && !replaceAll) throw new ToolError(`edit: ${file}: oldText occurs ${count} times`, 'TOOL_EDIT', 'add surrounding lines to make it unique, or pass replaceAll');
  return { text: text.split(oldText).join(newText), count };
}

type Op =
  | { kind: 'add'; file: string; lines: string[] }
  | { kind: 'delete'; file: string }
  | { kind: 'update'; file: string; moveTo?: string; hunks: string[][] };

export function parsePatch(patch: string): Op[] {
  const lines = patch.replace(/\r\n/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  if (lines[i]?.trim() !== '*** Begin Patch') throw new ToolError('apply_patch: the patch must start with "*** Begin Patch"', 'TOOL_PATCH');
  i++;
  const ops: Op[] = [];
  let ended = false;
  while (i < lines.length) {
    const line = lines[i]!;
    let m: RegExpExecArray | null;
    if (line.trim() === '*** End Patch') {
      ended = true;
      break;
    } else if ((m = /^\*\*\* Add File: (.+)$/.exec(line))) {
      const op: Op = { kind: 'add', file: m[1]!.trim(), lines: [] };
      i++;
      while (i < lines.length && lines[i]!.startsWith('+')) op.lines.push(lines[i++]!.slice(1));
      ops.push(op);
    } else if ((m = /^\*\*\* Delete File: (.+)$/.exec(line))) {
      ops.push({ kind: 'delete', file: m[1]!.trim() });
      i++;
    } else if ((m = /^\*\*\* Update File: (.+)$/.exec(line))) {
      const op: Op & { kind: 'update' } = { kind: 'update', file: m[1]!.trim(), hunks: [] };
      i++;
      const mv = /^\*\*\* Move to: (.+)$/.exec(lines[i] ?? '');
      if (mv) {
        op.moveTo = mv[1]!.trim();
        i++;
      }
      let hunk: string[] | undefined;
      while (i < lines.length && !lines[i]!.startsWith('*** ')) {
        const l = lines[i]!;
        if (l.startsWith('@@')) {
          hunk = [];
          op.hunks.push(hunk);
        } else if (/^[ +-]/.test(l) || l === '') {
          if (!hunk) {
            hunk = [];
            op.hunks.push(hunk);
          }
          hunk.push(l === '' ? ' ' : l);
        } else throw new ToolError(`apply_patch: line ${i + 1}: unexpected ${JSON.stringify(l.slice(0, 60))} in ${op.file}`, 'TOOL_PATCH', 'hunk lines start with space, - or +');
        i++;
      }
      if (lines[i]?.trim() === '*** End of File') i++;
      ops.push(op);
    } else if (line.trim() === '' || line.trim() === '*** End of File') {
      i++;
    } else throw new ToolError(`apply_patch: line ${i + 1}: expected a "*** Add/Update/Delete File:" header, got ${JSON.stringify(line.slice(0, 60))}`, 'TOOL_PATCH');
  }
  if (!ended) throw new ToolError('apply_patch: missing "*** End Patch"', 'TOOL_PATCH');
  return ops;
}

function findSeq(hay: string[], needle: string[], from: number, loose: boolean): number {
  const eq = loose ? (a: string, b: string) => a.trimEnd() === b.trimEnd() : (a: string, b: string) => a === b;
  for (let s = from; s + needle.length <= hay.length; s++) {
    let ok = true;
    for (let k = 0; k < needle.length && ok; k++) ok = eq(hay[s + k]!, needle[k]!);
    if (ok) return s;
  }
  return -1;
}

export function applyHunks(text: string, hunks: string[][], file: string): string {
  const trailingNl = text.endsWith('\n');
  const lines = (trailingNl ? text.slice(0, -1) : text).split('\n');
  let pos = 0;
  for (const [n, hunk] of hunks.entries()) {
    const oldL = hunk.filter((l) => l[0] !== '+').map((l) => l.slice(1));
    const newL = hunk.filter((l) => l[0] !== '-').map((l) => l.slice(1));
    let at = oldL.length === 0 ? lines.length : findSeq(lines, oldL, pos, false);
    if (at < 0) at = findSeq(lines, oldL, pos, true);
    if (at < 0) at = findSeq(lines, oldL, 0, true);
    if (at < 0) throw new ToolError(`apply_patch: ${file}: hunk ${n + 1} does not match the file`, 'TOOL_PATCH', 'read the file again and regenerate the patch');
    lines.splice(at, oldL.length, ...newL);
    pos = at + newL.length;
  }
  return lines.join('\n') + (trailingNl || text === '' ? '\n' : '');
}

/** Validate every operation before writing anything, then apply them in order. */
export async function applyPatch(patch: string, fs: FileOps): Promise<PatchResult> {
  const ops = parsePatch(patch);
  const result: PatchResult = { added: [], updated: [], deleted: [] };
  const planned: Array<() => Promise<void>> = [];
  for (const op of ops) {
    if (op.kind === 'add') {
      await fs.check?.(op.file);
      const body = op.lines.join('\n') + (op.lines.length ? '\n' : '');
      planned.push(() => fs.writeText(op.file, body));
      result.added.push(op.file);
    } else if (op.kind === 'delete') {
      await fs.readText(op.file); // must exist (and be inside the workspace)
      planned.push(() => fs.remove(op.file));
      result.deleted.push(op.file);
    } else {
      const next = applyHunks(await fs.readText(op.file), op.hunks, op.file);
      if (op.moveTo) {
        await fs.check?.(op.moveTo);
        planned.push(async () => {
          await fs.writeText(op.moveTo!, next);
          await fs.remove(op.file);
        });
      } else planned.push(() => fs.writeText(op.file, next));
      result.updated.push(op.moveTo ?? op.file);
    }
  }
  for (const step of planned) await step();
  return result;
}
