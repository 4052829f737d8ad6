// The generated compose overlays: docker-compose.extra.yml (OPENCLAW_EXTRA_MOUNTS,
// OPENCLAW_HOME_VOLUME) and docker-compose.sandbox.yml (the engine socket). Inputs are validated
// entry by entry and every scalar is written as a JSON string (valid YAML), so no value can add YAML
// structure; `$` is refused because Compose would interpolate it.
import path from 'node:path';
import { UsageError } from '../../lib/errors.js';
import { printable } from '../../lib/setup/validate.js';

export const EXTRA_FILE = 'docker-compose.extra.yml';
export const SANDBOX_FILE = 'docker-compose.sandbox.yml';
export const SERVICES = ['openclaw-gateway', 'openclaw-cli'] as const;

/** Container paths the base compose file owns; an extra mount may not replace them. */
export const CONTAINER_HOME = '/home/node';
export const CONTAINER_STATE = '/home/node/.openclaw';
export const CONTAINER_WORKSPACE = '/home/node/.openclaw/workspace';
const RESERVED_TARGETS = ['/', CONTAINER_HOME, CONTAINER_STATE, CONTAINER_WORKSPACE, '/var/run/docker.sock', '/run/docker.sock', '/app', '/proc', '/sys', '/dev', '/etc', '/usr', '/bin', '/lib'];

const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
// No control characters, no `$` (Compose interpolation), no quotes or backslashes (nothing needs them).
const PATH_CHARS = /^[^\0-\x1f\x7f$"'\\`]+$/;
const MOUNT_OPTIONS = ['ro', 'rw', 'z', 'Z'] as const;

export interface Mount {
  type: 'bind' | 'volume';
  source: string;
  target: string;
  readOnly: boolean;
  selinux?: 'z' | 'Z';
  /** The entry as given, for messages. */
  entry: string;
}

function bad(from: string, entry: string, why: string, hint: string): never {
  throw new UsageError(`${from}: ${why} in entry '${printable(entry)}'`, hint);
}

/** An absolute, normalised container or host path made of safe characters. */
function checkPath(from: string, entry: string, p: string, what: string): string {
  if (!PATH_CHARS.test(p)) bad(from, entry, `unsupported character in ${what} '${printable(p)}'`, 'paths may not contain $, quotes, backslashes or control characters');
  if (!p.startsWith('/')) bad(from, entry, `${what} '${p}' is not an absolute path`, 'use an absolute path (or ~/ for your home directory)');
  if (p.split('/').includes('..')) bad(from, entry, `${what} '${p}' contains '..'`, 'use a normalised absolute path');
  const norm = p.length > 1 ? path.posix.normalize(p).replace(/\/$/, '') : p;
  return norm;
}

function expandHome(p: string, home: string | undefined): string {
  if (p === '~' || p.startsWith('~/')) {
    if (!home) throw new UsageError(`cannot expand '${p}': HOME is not set`, 'use an absolute path');
    return path.posix.join(home, p.slice(1));
  }
  return p;
}

/**
 * OPENCLAW_EXTRA_MOUNTS: comma-separated `source:target[:ro|rw|z|Z]`. A source is an absolute host
 * path (`~/` allowed) or a named volume. Every problem names the entry; nothing is quoted around.
 */
export function parseExtraMounts(value: string | undefined, home: string | undefined, from = 'OPENCLAW_EXTRA_MOUNTS'): Mount[] {
  if (value === undefined || value.trim() === '') return [];
  const hint = 'use comma-separated source:target[:ro|rw|z|Z] entries, e.g. ~/projects:/home/node/projects:ro';
  const out: Mount[] = [];
  for (const raw of value.split(',')) {
    // Checked before trimming, so a trailing CR or tab is refused rather than silently dropped.
    if (/[\0-\x1f\x7f]/.test(raw)) bad(from, raw, 'control character (newline, tab...)', hint);
    const entry = raw.trim();
    if (entry === '') bad(from, value, 'empty entry (stray comma)', hint);
    const parts = entry.split(':');
    if (parts.length < 2) bad(from, entry, 'missing target (expected source:target)', hint);
    if (parts.length > 3) bad(from, entry, 'stray colon (expected source:target[:options])', hint);
    const [src = '', dst = '', opt] = parts.map((p) => p.trim());
    if (src === '' || dst === '') bad(from, entry, 'empty source or target', hint);
    let mount: Mount;
    const target = checkPath(from, entry, dst, 'target');
    if (RESERVED_TARGETS.includes(target)) {
      bad(from, entry, `target ${target} is managed by docker-compose.yml`, target === CONTAINER_HOME ? 'use OPENCLAW_HOME_VOLUME for /home/node' : 'mount somewhere else, e.g. /home/node/<name> or /mnt/<name>');
    }
    if (VOLUME_NAME.test(src)) mount = { type: 'volume', source: src, target, readOnly: false, entry };
    else mount = { type: 'bind', source: checkPath(from, entry, expandHome(src, home), 'source'), target, readOnly: false, entry };
    if (opt !== undefined) {
      if (!(MOUNT_OPTIONS as readonly string[]).includes(opt)) bad(from, entry, `unknown option '${printable(opt)}'`, 'use one of ro, rw, z, Z');
      if (opt === 'ro') mount.readOnly = true;
      if (opt === 'z' || opt === 'Z') mount.selinux = opt;
    }
    if (out.some((m) => m.target === target)) bad(from, entry, `target ${target} is mounted twice`, 'give each mount its own target');
    out.push(mount);
  }
  return out;
}

/** OPENCLAW_HOME_VOLUME: a named volume (or an absolute host path) for /home/node. */
export function parseHomeVolume(value: string | undefined, home: string | undefined, from = 'OPENCLAW_HOME_VOLUME'): Mount | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/[\0-\x1f\x7f]/.test(value)) bad(from, value, 'control character (newline, tab...)', 'use a volume name such as openclaw-home');
  const v = value.trim();
  if (VOLUME_NAME.test(v)) return { type: 'volume', source: v, target: CONTAINER_HOME, readOnly: false, entry: v };
  if (v.startsWith('/') || v.startsWith('~')) return { type: 'bind', source: checkPath(from, v, expandHome(v, home), 'source'), target: CONTAINER_HOME, readOnly: false, entry: v };
  return bad(from, v, 'not a volume name or absolute path', 'use letters, digits, _ . - (starting with a letter or digit), e.g. openclaw-home');
}

const q = (s: string) => JSON.stringify(s);

function mountYaml(m: Mount, indent: string): string[] {
  const lines = [`${indent}- type: ${m.type}`, `${indent}  source: ${q(m.source)}`, `${indent}  target: ${q(m.target)}`];
  if (m.readOnly) lines.push(`${indent}  read_only: true`);
  if (m.type === 'bind') lines.push(`${indent}  bind:`, `${indent}    create_host_path: false`, ...(m.selinux ? [`${indent}    selinux: ${q(m.selinux)}`] : []));
  return lines;
}

export interface ExtraInput {
  mounts: readonly Mount[];
  home: Mount | undefined;
  /** Host paths of the config and workspace binds, re-added on top of a home volume. */
  configDir: string;
  workspaceDir: string;
}

/** The docker-compose.extra.yml text, or undefined when neither variable is set (file removed). */
export function renderExtraOverlay(input: ExtraInput): string | undefined {
  if (input.mounts.length === 0 && !input.home) return undefined;
  const all: Mount[] = [];
  if (input.home) {
    all.push(input.home);
    // Listed again so the home volume never hides them, whatever order the engine mounts in.
    all.push({ type: 'bind', source: input.configDir, target: CONTAINER_STATE, readOnly: false, entry: 'OPENCLAW_CONFIG_DIR' });
    all.push({ type: 'bind', source: input.workspaceDir, target: CONTAINER_WORKSPACE, readOnly: false, entry: 'OPENCLAW_WORKSPACE_DIR' });
  }
  all.push(...input.mounts);
  const lines = [
    '# generated by docker-setup.sh from OPENCLAW_EXTRA_MOUNTS and OPENCLAW_HOME_VOLUME, do not edit:',
    '# change those variables (environment or .env) and run ./docker-setup.sh again.',
    'services:',
  ];
  for (const svc of SERVICES) {
    lines.push(`  ${svc}:`, '    volumes:');
    for (const m of all) lines.push(...mountYaml(m, '      '));
  }
  const named = [...new Set(all.filter((m) => m.type === 'volume').map((m) => m.source))];
  if (named.length > 0) {
    lines.push('volumes:');
    // `name:` keeps the volume called exactly what the variable says (no project prefix).
    for (const n of named) lines.push(`  ${q(n)}:`, `    name: ${q(n)}`);
  }
  return lines.join('\n') + '\n';
}

/** docker-compose.sandbox.yml: the engine socket for the gateway only, with the socket's group. */
export function renderSandboxOverlay(socket: string, gid: number): string {
  const s = checkPath('OPENCLAW_DOCKER_SOCKET', socket, socket, 'socket path');
  if (!Number.isInteger(gid) || gid < 0 || gid > 4294967294) throw new UsageError(`DOCKER_GID: invalid group id '${gid}'`);
  return [
    '# generated by docker-setup.sh for OPENCLAW_SANDBOX=1, do not edit: run ./docker-setup.sh again',
    '# (without OPENCLAW_SANDBOX it is removed). Only the gateway gets the engine socket.',
    'services:',
    '  openclaw-gateway:',
    '    volumes:',
    '      - type: bind',
    `        source: ${q(s)}`,
    `        target: "/var/run/docker.sock"`,
    '    group_add:',
    `      - ${q(String(gid))}`,
    '',
  ].join('\n');
}

/** OPENCLAW_DOCKER_SOCKET, else the path of a unix:// DOCKER_HOST, else /var/run/docker.sock. */
export function dockerSocket(env: { OPENCLAW_DOCKER_SOCKET?: string | undefined; DOCKER_HOST?: string | undefined }): { path: string; from: string } {
  if (env.OPENCLAW_DOCKER_SOCKET) return { path: checkPath('OPENCLAW_DOCKER_SOCKET', env.OPENCLAW_DOCKER_SOCKET, env.OPENCLAW_DOCKER_SOCKET, 'socket path'), from: 'OPENCLAW_DOCKER_SOCKET' };
  const host = env.DOCKER_HOST;
  if (host && host.startsWith('unix://')) return { path: checkPath('DOCKER_HOST', host, host.slice('unix://'.length), 'socket path'), from: 'DOCKER_HOST' };
  return { path: '/var/run/docker.sock', from: 'default' };
}
