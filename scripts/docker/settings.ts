// What docker-setup.sh runs with: every variable from the shell environment, else from the repo
// .env written by an earlier run (so a re-run keeps what the first run was given; set a variable
// to empty to drop it), else its default. Validated here, before anything changes.
import path from 'node:path';
import { imageBuildArgs, type BuildArg } from '../../lib/image-build-args.js';
import { UsageError } from '../../lib/errors.js';
import { imageRef, port as checkPort, printable } from '../../lib/setup/validate.js';
import { dockerSocket, parseExtraMounts, parseHomeVolume, type Mount } from './overlays.js';

export type Env = Record<string, string | undefined>;

export const DEFAULT_IMAGE = 'openclaw-kit:local';
export const DEFAULT_SANDBOX_IMAGE = 'openclaw-sandbox:bookworm-slim';
export const DEFAULT_PORT = 18789;
export const BIND_MODES = ['lan', 'loopback', 'auto', 'custom', 'tailnet'] as const;

export type Source = 'env' | '.env' | 'default';

export interface Settings {
  image: string;
  /** Built from this checkout (default image, `localhost/…` or `…:local`), else pulled when missing. */
  buildImage: boolean;
  configDir: string;
  workspaceDir: string;
  port: number;
  bind: (typeof BIND_MODES)[number];
  /** Host address the port is published on (127.0.0.1 unless exposed on purpose). */
  publishHost: string;
  extraMounts: Mount[];
  homeVolume: Mount | undefined;
  sandbox: boolean;
  socket: { path: string; from: string };
  sandboxImage: string;
  sandboxBaseImage: string | undefined;
  skipOnboarding: boolean;
  disableBonjour: string;
  buildArgs: BuildArg[];
  /** Values written to the repo .env (the token is added by the token step). */
  dotenv: Record<string, string>;
  /** Where each non-default value came from, for the summary. */
  sources: Record<string, Source>;
}

export function truthy(value: string | undefined, from: string): boolean {
  if (value === undefined) return false;
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['', '0', 'false', 'no', 'off'].includes(v)) return false;
  throw new UsageError(`${from}: expected 1/true/yes/on or 0/false/no/off, got '${printable(value)}'`);
}

/** The shell environment wins (set-but-empty included), then the repo .env. */
export function lookup(env: Env, dotenv: ReadonlyMap<string, string>, name: string): { value: string | undefined; source: Source } {
  if (env[name] !== undefined) return { value: env[name], source: 'env' };
  if (dotenv.has(name)) return { value: dotenv.get(name), source: '.env' };
  return { value: undefined, source: 'default' };
}

function hostDir(value: string, from: string, home: string | undefined): string {
  let v = value.trim();
  if (/[\0-\x1f\x7f$"'\\`,:]/.test(v)) throw new UsageError(`${from}: unsupported character in '${printable(v)}'`, 'use an absolute path without $, quotes, colons, commas or control characters');
  if (v === '~' || v.startsWith('~/')) {
    if (!home) throw new UsageError(`${from}: cannot expand '~': HOME is not set`);
    v = path.join(home, v.slice(1));
  }
  if (!path.isAbsolute(v)) throw new UsageError(`${from}: not an absolute path: '${printable(v)}'`, 'use an absolute path, e.g. $HOME/.openclaw');
  return path.normalize(v).replace(/(.)\/$/, '$1');
}

/** A .env value: single-quoted when it has spaces (Compose and our parser both read that literally). */
export function dotenvValue(v: string): string {
  return /\s|#/.test(v) ? `'${v}'` : v;
}

export function resolveSettings(env: Env, dotenv: ReadonlyMap<string, string>, opts: { version: string }): Settings {
  const sources: Record<string, Source> = {};
  const get = (name: string): string | undefined => {
    const r = lookup(env, dotenv, name);
    if (r.source !== 'default') sources[name] = r.source;
    return r.value;
  };
  const home = env.HOME;
  const out: Record<string, string> = {};

  const imageRaw = get('OPENCLAW_IMAGE') || DEFAULT_IMAGE;
  const image = imageRef(imageRaw, 'OPENCLAW_IMAGE');
  const buildImage = image === DEFAULT_IMAGE || image.startsWith('localhost/') || image.endsWith(':local');
  out.OPENCLAW_IMAGE = image;

  const configDir = hostDir(get('OPENCLAW_CONFIG_DIR') || path.join(home ?? '/tmp', '.openclaw'), 'OPENCLAW_CONFIG_DIR', home);
  const workspaceDir = hostDir(get('OPENCLAW_WORKSPACE_DIR') || path.join(configDir, 'workspace'), 'OPENCLAW_WORKSPACE_DIR', home);
  out.OPENCLAW_CONFIG_DIR = configDir;
  out.OPENCLAW_WORKSPACE_DIR = workspaceDir;

  const port = checkPort(get('OPENCLAW_GATEWAY_PORT') || DEFAULT_PORT, 'OPENCLAW_GATEWAY_PORT');
  out.OPENCLAW_GATEWAY_PORT = String(port);
  const bindRaw = get('OPENCLAW_GATEWAY_BIND') || 'lan';
  if (!(BIND_MODES as readonly string[]).includes(bindRaw)) throw new UsageError(`OPENCLAW_GATEWAY_BIND: invalid mode '${printable(bindRaw)}'`, `use one of ${BIND_MODES.join('|')} (lan: reachable through the published port)`);
  const bind = bindRaw as Settings['bind'];
  out.OPENCLAW_GATEWAY_BIND = bind;
  const publishHost = get('OPENCLAW_PUBLISH_HOST') || '127.0.0.1';
  if (!/^(\d{1,3}(\.\d{1,3}){3}|\[?[0-9a-fA-F:]+\]?)$/.test(publishHost)) throw new UsageError(`OPENCLAW_PUBLISH_HOST: not an IP address: '${printable(publishHost)}'`, 'use 127.0.0.1 (default), a LAN address, or 0.0.0.0 to expose on every interface');
  out.OPENCLAW_PUBLISH_HOST = publishHost;

  // Build args: the legacy OPENCLAW_DOCKER_APT_PACKAGES is folded into OPENCLAW_IMAGE_APT_PACKAGES
  // (set-but-empty OPENCLAW_IMAGE_APT_PACKAGES means none, as in the Dockerfile).
  const imageApt = get('OPENCLAW_IMAGE_APT_PACKAGES');
  const legacyApt = get('OPENCLAW_DOCKER_APT_PACKAGES');
  const apt = imageApt !== undefined ? imageApt : legacyApt;
  const sandbox = truthy(get('OPENCLAW_SANDBOX'), 'OPENCLAW_SANDBOX');
  const cliRaw = get('OPENCLAW_INSTALL_DOCKER_CLI');
  const dockerCli = sandbox ? '1' : cliRaw === undefined || cliRaw === '' ? undefined : truthy(cliRaw, 'OPENCLAW_INSTALL_DOCKER_CLI') ? '1' : '0';
  const baseImage = get('OPENCLAW_BASE_IMAGE') || undefined;
  const buildEnv: Env = { OPENCLAW_BASE_IMAGE: baseImage, OPENCLAW_IMAGE_APT_PACKAGES: apt, OPENCLAW_INSTALL_DOCKER_CLI: dockerCli };
  const buildArgs = imageBuildArgs(buildEnv, { version: opts.version });
  const aptArg = buildArgs.find((a) => a.name === 'OPENCLAW_IMAGE_APT_PACKAGES');
  if (aptArg) out.OPENCLAW_IMAGE_APT_PACKAGES = aptArg.value;
  if (dockerCli !== undefined) out.OPENCLAW_INSTALL_DOCKER_CLI = dockerCli;
  if (baseImage) out.OPENCLAW_BASE_IMAGE = baseImage;

  const mountsRaw = get('OPENCLAW_EXTRA_MOUNTS');
  const extraMounts = parseExtraMounts(mountsRaw, home);
  out.OPENCLAW_EXTRA_MOUNTS = extraMounts.length ? extraMounts.map((m) => m.entry).join(',') : '';
  const homeVolume = parseHomeVolume(get('OPENCLAW_HOME_VOLUME'), home);
  out.OPENCLAW_HOME_VOLUME = homeVolume?.entry ?? '';

  out.OPENCLAW_SANDBOX = sandbox ? '1' : '0';
  const socket = dockerSocket({ OPENCLAW_DOCKER_SOCKET: get('OPENCLAW_DOCKER_SOCKET'), DOCKER_HOST: env.DOCKER_HOST });
  out.OPENCLAW_DOCKER_SOCKET = socket.path;
  const sandboxImage = imageRef(get('OPENCLAW_SANDBOX_IMAGE') || DEFAULT_SANDBOX_IMAGE, 'OPENCLAW_SANDBOX_IMAGE');
  out.OPENCLAW_SANDBOX_IMAGE = sandboxImage;
  const sandboxBase = get('OPENCLAW_SANDBOX_BASE_IMAGE') || undefined;
  if (sandboxBase) out.OPENCLAW_SANDBOX_BASE_IMAGE = imageRef(sandboxBase, 'OPENCLAW_SANDBOX_BASE_IMAGE');

  const bonjour = (get('OPENCLAW_DISABLE_BONJOUR') ?? '1').trim();
  // mDNS from a container bridge only ever reaches the bridge: off unless asked for.
  const disableBonjour = bonjour === '' ? '1' : truthy(bonjour, 'OPENCLAW_DISABLE_BONJOUR') ? '1' : '0';
  out.OPENCLAW_DISABLE_BONJOUR = disableBonjour;

  const project = get('COMPOSE_PROJECT_NAME');
  if (project) {
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(project)) throw new UsageError(`COMPOSE_PROJECT_NAME: invalid project name '${printable(project)}'`, 'use lowercase letters, digits, _ and -');
    out.COMPOSE_PROJECT_NAME = project;
  }

  // Never persisted: a per-run switch.
  const skipOnboarding = truthy(env.OPENCLAW_SKIP_ONBOARDING, 'OPENCLAW_SKIP_ONBOARDING');

  const dotenvOut: Record<string, string> = {};
  for (const [k, v] of Object.entries(out)) dotenvOut[k] = dotenvValue(v);
  for (const [k, v] of Object.entries(dotenvOut)) {
    if (/'/.test(v.slice(1, -1)) || /[\r\n]/.test(v)) throw new UsageError(`${k}: value cannot be written to .env: '${printable(v)}'`);
  }
  return {
    image,
    buildImage,
    configDir,
    workspaceDir,
    port,
    bind,
    publishHost,
    extraMounts,
    homeVolume,
    sandbox,
    socket,
    sandboxImage,
    sandboxBaseImage: sandboxBase,
    skipOnboarding,
    disableBonjour,
    buildArgs,
    dotenv: dotenvOut,
    sources,
  };
}

export const TOKEN_OK = /^[A-Za-z0-9._~+/=-]{16,512}$/;

/**
 * The gateway token, resolved once: shell OPENCLAW_GATEWAY_TOKEN → a literal gateway.auth.token in
 * openclaw.json → the last non-empty OPENCLAW_GATEWAY_TOKEN in the repo .env → the one in the
 * config dir's .env → undefined (the caller generates one).
 */
export function resolveToken(input: { env: Env; configToken: unknown; repoDotenvText: string | undefined; stateDotenv: ReadonlyMap<string, string> }): { token: string; source: string } | undefined {
  const candidates: Array<[string | undefined, string]> = [
    [input.env.OPENCLAW_GATEWAY_TOKEN, 'OPENCLAW_GATEWAY_TOKEN from the environment'],
    [typeof input.configToken === 'string' ? input.configToken : undefined, 'gateway.auth.token in openclaw.json'],
    [lastNonEmpty(input.repoDotenvText, 'OPENCLAW_GATEWAY_TOKEN'), 'the existing .env'],
    [input.stateDotenv.get('OPENCLAW_GATEWAY_TOKEN'), 'the config dir .env'],
  ];
  for (const [value, source] of candidates) {
    if (value === undefined || value.trim() === '') continue;
    const token = value.trim();
    if (!TOKEN_OK.test(token)) throw new UsageError(`OPENCLAW_GATEWAY_TOKEN (${source}): unsupported token format (length ${token.length})`, 'use 16-512 characters from A-Z a-z 0-9 . _ ~ + / = -, or remove it to get a new one');
    return { token, source };
  }
  return undefined;
}

/** The last non-empty `NAME=value` in dotenv text (CR stripped, `=` inside the value kept). */
export function lastNonEmpty(text: string | undefined, name: string): string | undefined {
  if (text === undefined) return undefined;
  let found: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '').trim();
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(line);
    if (!m || m[1] !== name) continue;
    let v = m[2]!.trim();
    if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.endsWith(v[0]!)) v = v.slice(1, -1);
    if (v !== '') found = v;
  }
  return found;
}
