// The small subset of dotenv syntax our env files use: KEY=value lines, comments, optional quotes.
// Parsing is strict about names so that an env file can never smuggle in something odd.
import { promises as fs } from 'node:fs';
import { readFileIfExists, readFileIfExistsSync, writeFileAtomic } from './fsutil.js';
import { OpenclawError } from './errors.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseDotenv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const body = line.startsWith('export ') ? line.slice(7).trimStart() : line;
    const eq = body.indexOf('=');
    if (eq <= 0) continue;
    const key = body.slice(0, eq).trim();
    if (!NAME.test(key)) continue;
    out.set(key, unquote(body.slice(eq + 1).trim()));
  }
  return out;
}

function unquote(value: string): string {
  if (value.length >= 2) {
    const q = value[0];
    if ((q === '"' || q === "'") && value.endsWith(q)) return value.slice(1, -1);
  }
  const hash = value.indexOf(' #');
  return hash >= 0 ? value.slice(0, hash).trimEnd() : value;
}

export async function readDotenv(file: string): Promise<Map<string, string>> {
  const text = await readFileIfExists(file);
  return text === undefined ? new Map() : parseDotenv(text);
}

/** readDotenv for the CLI's start (every command reads the file before anything else runs). */
export function readDotenvSync(file: string): Map<string, string> {
  const text = readFileIfExistsSync(file);
  return text === undefined ? new Map() : parseDotenv(text);
}

/** Copy entries into `env` without overriding what the process environment already has. */
export function applyDotenv(entries: Map<string, string>, env: NodeJS.ProcessEnv = process.env): void {
  for (const [key, value] of entries) {
    if (env[key] === undefined) env[key] = value;
  }
}

/**
 * Set keys in an env file, keeping every other line (comments, unrelated keys) as it was.
 * The file is rewritten atomically with mode 0600.
 */
export async function upsertDotenv(file: string, updates: Record<string, string>): Promise<void> {
  for (const [key, value] of Object.entries(updates)) {
    if (!NAME.test(key)) throw new OpenclawError(`env file ${file}: invalid variable name '${key}'`);
    if (/[\r\n\0]/.test(value)) throw new OpenclawError(`env file ${file}: value for ${key} contains a newline or NUL`);
  }
  const text = (await readFileIfExists(file)) ?? '';
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const pending = new Map(Object.entries(updates));
  const out = lines.map((line) => {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
    const key = m?.[1];
    if (key === undefined || !pending.has(key)) return line;
    const value = pending.get(key)!;
    pending.delete(key);
    return `${key}=${value}`;
  });
  for (const [key, value] of pending) out.push(`${key}=${value}`);
  await writeFileAtomic(file, out.join('\n') + '\n', { mode: 0o600 });
}

export async function envFileMode(file: string): Promise<number | undefined> {
  try {
    return (await fs.stat(file)).mode & 0o777;
  } catch {
    return undefined;
  }
}
