// --install-daemon: hand over to `openclaw gateway install` (the one place that writes the systemd
// user unit), then keep the service alive after logout with linger when we are allowed to. Where
// systemd is missing or unreachable, print the exact commands instead of guessing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OpenclawError } from '../../lib/errors.js';

export interface DaemonResult {
  installed: boolean;
  unit?: string;
  reason?: string;
  linger?: 'enabled' | 'already' | 'needs-sudo' | 'unknown';
  commands: string[];
}

export function onPath(bin: string, env: NodeJS.ProcessEnv = process.env): boolean {
  for (const dir of (env.PATH ?? '').split(':')) {
    if (!dir) continue;
    try {
      fs.accessSync(path.join(dir, bin), fs.constants.X_OK);
      return true;
    } catch {
      // keep looking
    }
  }
  return false;
}

function manualCommands(unit: string, user: string): string[] {
  return [
    'systemctl --user daemon-reload',
    `systemctl --user enable --now ${unit}`,
    `sudo loginctl enable-linger ${user}`,
  ];
}

export async function installDaemon(port: number, inContainer: boolean, out: (line: string) => void): Promise<DaemonResult> {
  const { command, unitName } = await import('../cli/gateway-install.js');
  const { probe } = await import('../../lib/setup/exec.js');
  const unit = `${unitName(process.env)}.service`;
  const user = os.userInfo().username;
  if (inContainer) {
    out('warn  in a container there is no systemd user manager: run the gateway in the foreground (openclaw gateway) and let the container engine restart it');
    return { installed: false, unit, reason: 'container', commands: ['openclaw gateway'] };
  }
  try {
    await command.run(['--port', String(port)]);
  } catch (err) {
    if (!(err instanceof OpenclawError)) throw err;
    const commands = manualCommands(unit, user);
    out(`warn  ${err.message.replace(/^gateway install: /, 'service: ')}`);
    out('warn  to start it once systemd is available, run:');
    for (const c of commands) out(`        ${c}`);
    out('warn  without systemd (containers, WSL without systemd), run the gateway in the foreground: openclaw gateway');
    return { installed: false, unit, reason: err.code, commands };
  }
  // Linger keeps user services running with nobody logged in (a server's normal state).
  const shown = await probe(['loginctl', 'show-user', user, '-p', 'Linger', '--value']);
  if (shown.code === 0 && shown.stdout.trim() === 'yes') return { installed: true, unit, linger: 'already', commands: [] };
  const enabled = await probe(['loginctl', 'enable-linger', user]);
  if (enabled.code === 0) {
    out(`changed  loginctl enable-linger ${user} (the service keeps running after you log out)`);
    return { installed: true, unit, linger: 'enabled', commands: [] };
  }
  out(`warn  linger is off, so the service stops when you log out; to keep it running: sudo loginctl enable-linger ${user}`);
  return { installed: true, unit, linger: 'needs-sudo', commands: [`sudo loginctl enable-linger ${user}`] };
}
