// `${VAR}` in any string value is replaced from the environment; `$${VAR}` stays literal `${VAR}`.
// A missing variable is an error naming the key, never an empty string that would look like a value.
import type { Issue, Path } from './schema-dsl.js';

const REF = /\$?\$\{([A-Z_][A-Z0-9_]*)\}/g;

export function substituteEnv(value: unknown, env: Record<string, string | undefined>, issues: Issue[], path: Path = []): unknown {
  if (typeof value === 'string') {
    return value.replace(REF, (match, name: string) => {
      if (match.startsWith('$$')) return match.slice(1);
      const v = env[name];
      if (v === undefined || v === '') {
        issues.push({ path, message: `environment variable ${name} is not set (referenced as \${${name}})` });
        return '';
      }
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, issues, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, env, issues, [...path, k]);
    return out;
  }
  return value;
}

/** True when the whole string is one `${VAR}` reference (safe to show, it holds no secret). */
export function isEnvReference(value: unknown): boolean {
  return typeof value === 'string' && /^\$\{[A-Z_][A-Z0-9_]*\}$/.test(value);
}
