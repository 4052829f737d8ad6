// The `apply_patch` format: `*** Begin Patch`, then `*** Add File: p` (+lines), `*** Delete File: p`
// or `*** Update File: p` (optional `*** Move to: q`) with `@@` hunks of ' ', '-', '+' lines, then
// `*** End Patch`. Hunks must match the file (exactly, else ignoring trailing whitespace).

export type PatchOp =
  | { kind: 'add'; path: string; content: string }
  | { kind: 'delete'; path: string }
  | { kind: 'update'; path: string; moveTo?: string; hunks: Array<{ old: string[]; new: string[] }> };

export function parsePatch(text: string): PatchOp[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let i = lines.findIndex((l) => l.trim() === '*** Begin Patch');
  if (i < 0) throw new Error("patch must start with '*** Begin Patch'");
  const ops: PatchOp[] = [];
  i++;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '*** End Patch') return ops;
    let m: RegExpExecArray | null;
    if ((m = /^\*\*\* Add File: (.+)$/.exec(line))) {
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i]!.startsWith('*** '); i++) {
        if (!lines[i]!.startsWith('+')) throw new Error(`Add File ${m[1]}: every line must start with '+'`);
        body.push(lines[i]!.slice(1));
      }
      ops.push({ kind: 'add', path: m[1]!.trim(), content: body.join('\n') + '\n' });
    } else if ((m = /^\*\*\* Delete File: (.+)$/.exec(line))) {
      ops.push({ kind: 'delete', path: m[1]!.trim() });
      i++;
    } else if ((m = /^\*\*\* Update File: (.+)$/.exec(line))) {
      const op: PatchOp & { kind: 'update' } = { kind: 'update', path: m[1]!.trim(), hunks: [] };
      i++;
      const move = /^\*\*\* Move to: (.+)$/.exec(lines[i] ?? '');
      if (move) {
        op.moveTo = move[1]!.trim();
        i++;
      }
      let hunk: { old: string[]; new: string[] } | undefined;
      for (; i < lines.length && !(lines[i]!.startsWith('*** ') && lines[i] !== '*** End of File'); i++) {
        const l = lines[i]!;
        if (l.startsWith('@@')) {
          hunk = { old: [], new: [] };
          op.hunks.push(hunk);
          continue;
        }
        if (l === '*** End of File') continue;
        if (!hunk) op.hunks.push((hunk = { old: [], new: [] }));
        const tag = l[0];
        const rest = l.slice(1);
        if (tag === ' ' || l === '') {
          hunk.old.push(rest);
          hunk.new.push(rest);
        } else if (tag === '-') hunk.old.push(rest);
        else if (tag === '+') hunk.new.push(rest);
        else throw new Error(`Update File ${op.path}: unexpected line '${l.slice(0, 40)}'`);
      }
      ops.push(op);
    } else if (line.trim() === '') {
      i++;
    } else {
      throw new Error(`unexpected patch line '${line.slice(0, 60)}'`);
    }
  }
  throw new Error("patch must end with '*** End Patch'");
}

function findSeq(lines: string[], seq: string[], from: number): number {
  const eq = [(a: string, b: string) => a === b, (a: string, b: string) => a.trimEnd() === b.trimEnd(), (a: string, b: string) => a.trim() === b.trim()];
  for (const same of eq) {
    for (let i = from; i + seq.length <= lines.length; i++) {
      if (seq.every((s, j) => same(lines[i + j]!, s))) return i;
    }
  }
  return -1;
}

export function applyHunks(original: string, hunks: Array<{ old: string[]; new: string[] }>, file: string): string {
  const trailingNl = original.endsWith('\n');
  const lines = (trailingNl ? original.slice(0, -1) : original).split('\n');
  let pos = 0;
  for (const h of hunks) {
    if (h.old.length === 0) {
      lines.push(...h.new);
      pos = lines.length;
      continue;
    }
    const at = findSeq(lines, h.old, pos);
    if (at < 0) throw new Error(`${file}: hunk does not match the file:\n${h.old.slice(0, 5).join('\n')}`);
    lines.splice(at, h.old.length, ...h.new);
    pos = at + h.new.length;
  }
  return lines.join('\n') + (trailingNl ? '\n' : '');
}
