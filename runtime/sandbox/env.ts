// The only env a sandbox gets is what the config lists, minus anything that looks like a secret.
// Host process.env is never inherited: the engine reads a 0600 env file we write, never argv.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_RES = [
  /^OPENCLAW_GATEWAY_(TOKEN|PASSWORD)$/i,
  /^OPENCLAW_/i,
  /_API_?KEY$/i,
  /^API_?KEY$/i,
  /_ADMIN_KEY$/i,
  /^AWS_SECRET/i,
  /^AWS_SESSION_TOKEN$/i,
  /^(GH|GITHUB|GITLAB|NPM|HF|HUGGINGFACE|SLACK|DISCORD|TELEGRAM)_.*TOKEN$/i,
  /(^|_)(SECRET|PASSWORD|PASSWD|PRIVATE_KEY|CREDENTIALS?)($|_)/i,
  /(^|_)TOKEN$/i,
];
export const MAX_ENV_VALUE = 32 * 1024;

export interface EnvFilterResult {
  env: Record<string, string>;
  blocked: Array<{ name: string; why: string }>;
}

export function isSecretName(name: string): boolean {
  return SECRET_RES.some((re) => re.test(name));
}

export function filterEnv(input: Record<string, string>): EnvFilterResult {
  const env: Record<string, string> = {};
  const blocked: EnvFilterResult['blocked'] = [];
  for (const [name, value] of Object.entries(input)) {
    if (!NAME_RE.test(name)) blocked.push({ name, why: 'not a valid variable name' });
    else if (isSecretName(name)) blocked.push({ name, why: 'looks like a secret (keep credentials out of sandboxes)' });
    else if (value.length > MAX_ENV_VALUE) blocked.push({ name, why: `value is over ${MAX_ENV_VALUE} bytes` });
    else if (/[\r\n\0]/.test(value)) blocked.push({ name, why: 'value has a newline or NUL' });
    else env[name] = value;
  }
  return { env, blocked };
}

export function envFileText(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => `${k}=${v}\n`)
    .join('');
}

/**
 * Write the env file (0600, private dir), owned by `owner` when the engine CLI runs as another user
 * (rootless podman driven by a root gateway in tests). Returns the path and a cleanup.
 */
export async function writeEnvFile(env: Record<string, string>, owner?: { uid: number; gid: number }): Promise<{ file: string; remove: () => Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'openclaw-sbx-env-'));
  const file = path.join(dir, 'container.env');
  await fs.writeFile(file, envFileText(env), { mode: 0o600, flag: 'wx' });
  if (owner && process.getuid?.() === 0 && owner.uid !== 0) {
    await fs.chown(dir, owner.uid, owner.gid);
    await fs.chown(file, owner.uid, owner.gid);
  }
  return { file, remove: () => fs.rm(dir, { recursive: true, force: true }) };
}

export function execMarker(): string {
  return randomBytes(8).toString('hex');
}
