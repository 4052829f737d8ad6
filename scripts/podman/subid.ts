// /etc/subuid and /etc/subgid: `NAME:START:COUNT` lines (also `UID:START:COUNT`). We need a range of
// at least 65536 for the user in BOTH files that overlaps no other user's range.
export interface SubRange {
  owner: string;
  start: number;
  count: number;
}

export function parseSubids(text: string): SubRange[] {
  const out: SubRange[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*([^:#\s]+):(\d+):(\d+)\s*$/.exec(line);
    if (m) out.push({ owner: m[1]!, start: Number(m[2]), count: Number(m[3]) });
  }
  return out;
}

export const MIN_SUBIDS = 65536;

export type SubidVerdict =
  | { state: 'ok'; range: SubRange }
  | { state: 'missing' }
  | { state: 'small'; range: SubRange }
  | { state: 'overlap'; range: SubRange; other: SubRange };

/** Judge the user's ranges in one file; `ids` are the names the user may appear under (name, uid). */
export function judge(ranges: readonly SubRange[], ids: readonly string[]): SubidVerdict {
  const mine = ranges.filter((r) => ids.includes(r.owner));
  const big = mine.filter((r) => r.count >= MIN_SUBIDS);
  if (mine.length === 0) return { state: 'missing' };
  if (big.length === 0) return { state: 'small', range: mine[0]! };
  for (const range of big) {
    const other = ranges.find((o) => !ids.includes(o.owner) && o.start < range.start + range.count && range.start < o.start + o.count);
    if (!other) return { state: 'ok', range };
  }
  const range = big[0]!;
  return { state: 'overlap', range, other: ranges.find((o) => !ids.includes(o.owner) && o.start < range.start + range.count && range.start < o.start + o.count)! };
}

/** First start at or above 100000 past every existing range in both files (never guessed). */
export function nextFreeStart(...files: ReadonlyArray<readonly SubRange[]>): number {
  let start = 100000;
  for (const ranges of files) for (const r of ranges) start = Math.max(start, r.start + r.count);
  return start;
}
