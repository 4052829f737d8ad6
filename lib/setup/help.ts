// `--help` for setup scripts: the comment block at the top of the script is the only copy of its
// help (rbenv-help style). tsc keeps comments, so the compiled file carries the same header.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function headerHelp(moduleUrl: string): string {
  const lines = readFileSync(fileURLToPath(moduleUrl), 'utf8').split('\n');
  const out: string[] = [];
  for (const line of lines) {
    if (line.startsWith('#!')) continue;
    if (!line.startsWith('//')) break;
    out.push(line.replace(/^\/\/ ?/, ''));
  }
  return out.join('\n').replace(/^Summary: /m, '').trimEnd() + '\n';
}

/** The `Usage:` line of that header, for usage errors. */
export function headerUsage(moduleUrl: string): string {
  const m = /^Usage: (.*)$/m.exec(headerHelp(moduleUrl));
  return m?.[1] ?? '';
}
