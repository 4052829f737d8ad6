// Which addresses the gateway listens on. Loopback is the default everywhere; `auto` means 0.0.0.0
// only inside a detected container, where the engine's port publishing needs it.
import fs from 'node:fs';
import net from 'node:net';
import { EXIT, OpenclawError } from '../../lib/errors.js';
import type { BindMode } from '../config/schema.js';

export interface BindPlan {
  mode: BindMode;
  /** Every address to listen on; loopback is both IPv4 and IPv6 where the host has ::1. */
  hosts: string[];
  loopbackOnly: boolean;
}

export function detectContainer(env: Record<string, string | undefined> = process.env, root = '/'): string | undefined {
  if (env.FLY_MACHINE_ID && env.FLY_APP_NAME) return 'fly';
  if (env.container === 'podman' || fs.existsSync(`${root}run/.containerenv`) || fs.existsSync(`${root}var/run/.containerenv`)) return 'podman';
  if (fs.existsSync(`${root}.dockerenv`)) return 'docker';
  try {
    const cgroup = fs.readFileSync(`${root}proc/1/cgroup`, 'utf8');
    if (/docker|containerd|kubepods|lxc|libpod/.test(cgroup)) return 'container';
  } catch {
    // no /proc: not Linux, or a locked-down sandbox; treat as a host
  }
  return undefined;
}

export function isLoopbackAddress(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\./.test(h) || h === '::ffff:127.0.0.1' || /^::ffff:127\./.test(h);
}

export function resolveBind(mode: BindMode, customHost: string | undefined, inContainer: boolean): BindPlan {
  switch (mode) {
    case 'loopback':
      return { mode, hosts: ['127.0.0.1', '::1'], loopbackOnly: true };
    case 'lan':
      return { mode, hosts: ['0.0.0.0'], loopbackOnly: false };
    case 'auto':
      return inContainer ? { mode, hosts: ['0.0.0.0'], loopbackOnly: false } : { mode, hosts: ['127.0.0.1', '::1'], loopbackOnly: true };
    case 'custom': {
      if (!customHost || net.isIP(customHost) === 0) {
        throw new OpenclawError(`bind custom: gateway.customBindHost must be an IP address, got ${customHost ? `'${customHost}'` : 'nothing'}`, {
          exitCode: EXIT.CONFIG,
          hint: 'openclaw config set gateway.customBindHost 192.168.1.10',
        });
      }
      if (isLoopbackAddress(customHost)) return { mode, hosts: [customHost], loopbackOnly: true };
      // A custom LAN address still gets a loopback listener so local tools keep working.
      return { mode, hosts: customHost === '0.0.0.0' ? [customHost] : [customHost, '127.0.0.1'], loopbackOnly: false };
    }
    case 'tailnet':
      throw new OpenclawError('bind tailnet is not supported by this gateway', {
        exitCode: EXIT.CONFIG,
        hint: 'use --bind custom with gateway.customBindHost set to the tailnet address, or --bind loopback with tailscale serve',
      });
  }
}
