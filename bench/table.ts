// The shared row shape every benchmark returns, and the fixed-width table `npm run bench` prints.

export interface BenchRow {
  metric: string;
  /** The measured value; NaN when the benchmark was skipped (say why in `note`, starting with "skipped:"). */
  value: number;
  unit: string;
  /** The same quantity for a bare baseline measured in the same run (same unit). */
  baseline?: number;
  baselineLabel?: string;
  /** Human-readable target, e.g. "≤ 150 ms". */
  target?: string;
  /** Whether `value` meets `target`; absent when there is no target or nothing was measured. */
  pass?: boolean;
  note?: string;
}

/** A row for a benchmark that could not run (no engine, no file...): the table shows the reason. */
export function skippedRow(metric: string, unit: string, reason: string, target?: string): BenchRow {
  return { metric, value: Number.NaN, unit, note: `skipped: ${reason}`, ...(target ? { target } : {}) };
}

/** Three significant digits, but never in exponent notation and never more than 3 decimals. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return '-';
  const abs = Math.abs(n);
  const decimals = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return n.toFixed(decimals);
}

export function formatValue(n: number | undefined, unit: string): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  return `${formatNumber(n)} ${unit}`;
}

export function ratioOf(row: BenchRow): number | undefined {
  if (row.baseline === undefined || !Number.isFinite(row.value) || !(row.baseline > 0)) return undefined;
  return row.value / row.baseline;
}

export function resultOf(row: BenchRow): string {
  if (!Number.isFinite(row.value)) return 'SKIP';
  if (row.pass === undefined) return '-';
  return row.pass ? 'pass' : 'FAIL';
}

export interface TableOptions {
  /** An extra, unmeasured column (e.g. published upstream numbers), keyed by metric. */
  reference?: { label: string; values: Record<string, string> };
}

/** A plain fixed-width table; notes follow it, numbered, so rows stay one line each. */
export function formatTable(rows: BenchRow[], options: TableOptions = {}): string {
  const header = ['metric', 'value', 'target', 'baseline (same run)', 'ratio'];
  if (options.reference) header.push(options.reference.label);
  header.push('result');
  const notes: string[] = [];
  const body = rows.map((row) => {
    const skipped = !Number.isFinite(row.value);
    let metric = row.metric;
    if (row.note) {
      notes.push(row.note);
      metric += ` [${notes.length}]`;
    }
    const ratio = ratioOf(row);
    const baseline = row.baseline === undefined ? '-' : `${formatValue(row.baseline, row.unit)}${row.baselineLabel ? ` (${row.baselineLabel})` : ''}`;
    const cells = [
      metric,
      skipped ? 'skipped' : formatValue(row.value, row.unit),
      row.target ?? '-',
      baseline,
      ratio === undefined ? '-' : `${ratio.toFixed(2)}x`,
    ];
    if (options.reference) cells.push(options.reference.values[row.metric] ?? '-');
    cells.push(resultOf(row));
    return cells;
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 1 || i === 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join(' | ')
      .trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('-+-'), ...body.map(line)];
  if (notes.length) out.push('', ...notes.map((n, i) => `[${i + 1}] ${n}`));
  return out.join('\n');
}
