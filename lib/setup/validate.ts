// Input checks shared by the setup scripts. Each names the value and where it came from, and
// rejects rather than quotes: these values end up in argv, unit files and mount specs.
import path from 'node:path';
import { UsageError } from '../errors.js';

/** A login name useradd accepts on every distro we target. */
export function userName(value: string, from: string): string {
  if (!/^[a-z_][a-z0-9_-]{0,30}[a-z0-9_$-]?$/.test(value)) {
    throw new UsageError(`${from}: invalid user name '${printable(value)}'`, 'use lowercase letters, digits, - and _, starting with a letter');
  }
  return value;
}

/**
 * A host path used as a mount source or in a unit: absolute, normalised, and made of characters
 * that need no quoting in a podman -v spec, a Quadlet Volume= or a systemd value.
 */
export function hostPath(value: string, from: string): string {
  if (!path.isAbsolute(value)) throw new UsageError(`${from}: not an absolute path: '${printable(value)}'`);
  if (!/^\/[A-Za-z0-9._/@+-]*$/.test(value)) {
    throw new UsageError(`${from}: unsupported character in path '${printable(value)}'`, 'use letters, digits and . _ - @ + / only (no spaces, colons, commas or newlines)');
  }
  if (value !== '/' && (value !== path.normalize(value) || value.endsWith('/'))) {
    throw new UsageError(`${from}: path is not normalised: '${value}'`, `use ${path.normalize(value).replace(/\/$/, '')}`);
  }
  return value;
}

export function port(value: string | number, from: string): number {
  const s = String(value);
  if (!/^\d{1,5}$/.test(s) || Number(s) < 1 || Number(s) > 65535) throw new UsageError(`${from}: invalid port '${printable(s)}'`, 'use 1-65535');
  return Number(s);
}

const TRANSPORTS = /^(oci-archive|docker-archive|dir|oci|containers-storage|docker-daemon|archive|docker):/;
export function imageRef(value: string, from: string): string {
  if (TRANSPORTS.test(value)) throw new UsageError(`${from}: transport prefixes are not supported: '${printable(value)}'`, 'use a plain image name such as localhost/openclaw-kit:local');
  if (!/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/.test(value)) throw new UsageError(`${from}: invalid image name '${printable(value)}'`);
  return value;
}

export function containerName(value: string, from: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(value)) throw new UsageError(`${from}: invalid container name '${printable(value)}'`);
  return value;
}

export function printable(value: string): string {
  return value.replace(/[\r\n]/g, '\\n').replace(/[\0-\x1f]/g, '?');
}
