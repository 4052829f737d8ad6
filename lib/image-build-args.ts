// The build args for the gateway image, from the environment: one builder for the Docker and the
// Podman paths, so a variable that works for one works for the other (upstream's Podman setup
// silently dropped OPENCLAW_DOCKER_APT_PACKAGES). Names match the ARGs in the Dockerfile.
import { UsageError } from './errors.js';

export type Env = Record<string, string | undefined>;

export interface BuildArg {
  name: string;
  value: string;
  /** The environment variable it came from. */
  from: string;
}

const PACKAGES = /^[A-Za-z0-9.+:~= _-]*$/;
const IMAGE_REF = /^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/;

function checked(from: string, value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) throw new UsageError(`${from}: ${what}: '${value.replace(/[\r\n]/g, '\\n')}'`, `unset ${from} or fix its value`);
  return value;
}

/**
 * Build args in a stable order. Unset variables are left out so the Dockerfile defaults apply;
 * OPENCLAW_IMAGE_APT_PACKAGES set but empty is passed as empty ("none", even with the legacy
 * OPENCLAW_DOCKER_APT_PACKAGES set).
 */
export function imageBuildArgs(env: Env, opts: { version?: string } = {}): BuildArg[] {
  const out: BuildArg[] = [];
  const base = env.OPENCLAW_BASE_IMAGE;
  if (base !== undefined && base !== '') out.push({ name: 'BASE_IMAGE', value: checked('OPENCLAW_BASE_IMAGE', base, IMAGE_REF, 'not an image reference'), from: 'OPENCLAW_BASE_IMAGE' });
  if (opts.version !== undefined) out.push({ name: 'OPENCLAW_VERSION', value: checked('version', opts.version, IMAGE_REF, 'not a version'), from: 'package.json' });
  for (const name of ['OPENCLAW_IMAGE_APT_PACKAGES', 'OPENCLAW_DOCKER_APT_PACKAGES']) {
    const v = env[name];
    if (v !== undefined) out.push({ name, value: checked(name, v.trim().replace(/\s+/g, ' '), PACKAGES, 'not a space-separated list of Debian package names'), from: name });
  }
  const cli = env.OPENCLAW_INSTALL_DOCKER_CLI;
  if (cli !== undefined && cli !== '') out.push({ name: 'OPENCLAW_INSTALL_DOCKER_CLI', value: checked('OPENCLAW_INSTALL_DOCKER_CLI', cli, /^[01]$/, 'expected 1 or 0'), from: 'OPENCLAW_INSTALL_DOCKER_CLI' });
  return out;
}

/** `--build-arg NAME=value` pairs for docker build / podman build argv (never through a shell). */
export function buildArgFlags(args: readonly BuildArg[]): string[] {
  return args.flatMap((a) => ['--build-arg', `${a.name}=${a.value}`]);
}

/** The environment variables the builder reads: what a sudo re-exec must carry over. */
export const BUILD_ARG_ENV = ['OPENCLAW_BASE_IMAGE', 'OPENCLAW_IMAGE_APT_PACKAGES', 'OPENCLAW_DOCKER_APT_PACKAGES', 'OPENCLAW_INSTALL_DOCKER_CLI'] as const;
