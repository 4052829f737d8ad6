// The config's `env` block: lowest precedence, below the process environment and ~/.openclaw/.env.
import type { OpenclawConfig } from './schema.js';

export function applyConfigEnv(config: OpenclawConfig, env: NodeJS.ProcessEnv = process.env): void {
  const block = config.env;
  if (!block) return;
  for (const [key, value] of Object.entries(block)) {
    if (typeof value === 'string') {
      if (env[key] === undefined) env[key] = value;
    } else if (key === 'vars') {
      for (const [k, v] of Object.entries(value)) if (env[k] === undefined) env[k] = v;
    }
  }
}
