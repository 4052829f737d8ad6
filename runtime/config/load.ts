// Read openclaw.json: JSON5, then ${ENV} substitution, then the typed schema. Every problem is
// reported with the file, line:col where we can find it, and the key path; nothing is guessed.
import { loadJson5, nodeCrypto } from '../../lib/cjs.js';
import { readFileIfExistsSync } from '../../lib/fsutil.js';
import { EXIT, OpenclawError } from '../../lib/errors.js';
import { substituteEnv } from './envsubst.js';
import { locateKeys, positionOf } from './locate.js';
import { configSchema, type OpenclawConfig } from './schema.js';
import { formatPath, validate, type Issue } from './schema-dsl.js';

export interface LoadedConfig {
  path: string;
  exists: boolean;
  /** As written in the file (with ${VAR} references), for editing. */
  raw: Record<string, unknown>;
  /** After substitution and validation: what the gateway runs with. */
  config: OpenclawConfig;
  /** sha256 of the file bytes ('' when there is no file). */
  hash: string;
  text: string;
}

export class ConfigError extends OpenclawError {
  constructor(
    readonly file: string,
    readonly problems: string[],
    hint = `fix the file, or run: openclaw config validate`,
  ) {
    super(`config: ${problems.join('\n  ')}`, { exitCode: EXIT.CONFIG, code: 'INVALID_CONFIG', hint });
    this.name = 'ConfigError';
  }
}

export function hashText(text: string): string {
  return text === '' ? '' : nodeCrypto().createHash('sha256').update(text).digest('hex');
}

export async function loadConfig(file: string, env: Record<string, string | undefined> = process.env): Promise<LoadedConfig> {
  let text: string | undefined;
  try {
    text = readFileIfExistsSync(file); // a few KB: see readFileIfExistsSync
  } catch (err) {
    throw new ConfigError(file, [`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`], 'check the file permissions (chmod 600, owned by the gateway user)');
  }
  if (text === undefined) return { path: file, exists: false, raw: {}, config: {}, hash: '', text: '' };
  return parseConfigText(file, text, env);
}

export function parseConfigText(file: string, text: string, env: Record<string, string | undefined> = process.env): LoadedConfig {
  const raw = parseJson5(file, text);
  const issues: Issue[] = [];
  const substituted = substituteEnv(raw, env, issues);
  issues.push(...validate(configSchema, substituted));
  if (issues.length > 0) throw new ConfigError(file, describeIssues(file, text, issues));
  let hash: string | undefined;
  return {
    path: file,
    exists: true,
    raw,
    config: substituted as OpenclawConfig,
    text,
    // Made on first use (reload, config.get): a gateway start has no use for it, and it needs node:crypto.
    get hash() {
      return (hash ??= hashText(text));
    },
  };
}

export function parseJson5(file: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : parseJsonOrJson5(text);
  } catch (err) {
    const e = err as SyntaxError & { lineNumber?: number; columnNumber?: number };
    const where = e.lineNumber ? `${file}:${e.lineNumber}:${e.columnNumber}` : file;
    throw new ConfigError(file, [`${where}: ${e.message.replace(/^JSON5: /, '').replace(/ at \d+:\d+$/, '')}`]);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(file, [`${file}:1:1: the top level must be an object ({ ... })`]);
  }
  return value as Record<string, unknown>;
}

/**
 * JSON is a subset of JSON5 and parses to the same value, and the files we write (config set,
 * onboard) are plain JSON: try the built-in parser first, so the common start never loads the JSON5
 * parser. Anything JSON rejects (comments, trailing commas, a typo) goes to JSON5, which also gives
 * the line:col for errors.
 */
function parseJsonOrJson5(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return loadJson5().parse(text);
  }
}

export function describeIssues(file: string, text: string, issues: Issue[]): string[] {
  const positions = locateKeys(text);
  return issues.map((issue) => {
    const p = positionOf(positions, issue.path);
    return `${file}${p ? `:${p.line}:${p.col}` : ''}: ${formatPath(issue.path)}: ${issue.message}`;
  });
}
