// Changing openclaw.json: apply edits to the raw document, validate the result as the gateway would
// load it, then write atomically with a .bak beside it. An edit that would make the file invalid is
// refused before anything touches the disk.
import path from 'node:path';
import { ensurePrivateDir, writeFileAtomic } from '../../lib/fsutil.js';
import { ConfigError, describeIssues, hashText } from './load.js';
import { substituteEnv, isEnvReference } from './envsubst.js';
import { configSchema } from './schema.js';
import { nodeAt, validate, type Issue, type Node, type Path } from './schema-dsl.js';
import { setAt, unsetAt } from './keypath.js';

export interface Edit {
  path: Path;
  value?: unknown;
  unset?: boolean;
}

export function applyEdits(raw: Record<string, unknown>, edits: Edit[]): Record<string, unknown> {
  let next = raw;
  for (const edit of edits) next = edit.unset ? unsetAt(next, edit.path).root : setAt(next, edit.path, edit.value);
  return next;
}

export function serializeConfig(raw: Record<string, unknown>): string {
  return JSON.stringify(raw, null, 2) + '\n';
}

/** Validate a raw document as the loader would; throws ConfigError naming file:line:col and key. */
export function checkRaw(file: string, raw: Record<string, unknown>, env: Record<string, string | undefined> = process.env): string {
  const text = serializeConfig(raw);
  const issues: Issue[] = [];
  const substituted = substituteEnv(raw, env, issues);
  issues.push(...validate(configSchema, substituted));
  if (issues.length > 0) throw new ConfigError(file, describeIssues(file, text, issues), 'nothing was written');
  return text;
}

export interface WriteResult {
  path: string;
  hash: string;
  written: boolean;
}

export async function writeConfig(file: string, raw: Record<string, unknown>, options: { dryRun?: boolean; env?: Record<string, string | undefined> } = {}): Promise<WriteResult> {
  const text = checkRaw(file, raw, options.env);
  if (!options.dryRun) {
    await ensurePrivateDir(path.dirname(file));
    await writeFileAtomic(file, text, { mode: 0o600, backup: true });
  }
  return { path: file, hash: hashText(text), written: !options.dryRun };
}

export const REDACTED = '__OPENCLAW_REDACTED__';
const SECRET_NAME = /token|password|secret|api[-_]?key|credential|private[-_]?key/i;

/**
 * A copy safe to show: values under secret schema nodes (and, inside sections we do not model,
 * keys with secret-looking names) become REDACTED. A bare `${VAR}` reference is kept: it names
 * where the secret lives without revealing it.
 */
export function redactConfig(raw: unknown, schema: Node<unknown> = configSchema, p: Path = []): unknown {
  const node = nodeAt(schema, p);
  const secretHere = node?.secret === true || (node === undefined || node.describe() === 'any' ? SECRET_NAME.test(String(p[p.length - 1] ?? '')) : false);
  if (secretHere) return redactLeaves(raw);
  if (Array.isArray(raw)) return raw.map((v, i) => redactConfig(v, schema, [...p, i]));
  if (raw !== null && typeof raw === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) out[k] = redactConfig(v, schema, [...p, k]);
    return out;
  }
  return raw;
}

function redactLeaves(value: unknown): unknown {
  if (isEnvReference(value)) return value;
  if (Array.isArray(value)) return value.map(redactLeaves);
  if (value !== null && typeof value === 'object') {
    // SecretRef objects ({source, provider, id}) hold no secret themselves.
    if ('source' in value && 'id' in value) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactLeaves(v)]));
  }
  return value === undefined || value === null || value === '' ? value : REDACTED;
}
