#!/usr/bin/env node
// Summary: Write quadlet/openclaw.container and systemd/openclaw-gateway.service from the typed models
// Usage: node dist/scripts/podman/reference-units.js [--check]
//
// The reference units in the repo are exactly what the renderers produce for the default user
// (openclaw, home /home/openclaw) and a global npm install. --check exits 1 if either file differs
// (tests/runtime/podman-units.test.ts runs the same comparison).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderNativeUnit } from '../../runtime/cli/gateway-install.js';
import { renderGatewayQuadlet, type GatewayUnit } from './unit.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The model behind quadlet/openclaw.container: the default user, paths and ports. */
export const REFERENCE_QUADLET: GatewayUnit = {
  image: 'localhost/openclaw-kit:local',
  containerName: 'openclaw',
  configDir: '/home/openclaw/.openclaw',
  workspaceDir: '/home/openclaw/.openclaw/workspace',
  envFile: '/home/openclaw/.openclaw/.env',
  gatewayPort: 18789,
  bridgePort: 18790,
  selinux: false,
};

export function referenceUnits(): Record<string, string> {
  const version = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    'quadlet/openclaw.container': renderGatewayQuadlet(REFERENCE_QUADLET),
    'systemd/openclaw-gateway.service': renderNativeUnit({
      name: 'openclaw-gateway',
      node: '/usr/bin/node',
      entry: '/usr/local/lib/node_modules/openclaw-kit/bin/openclaw',
      port: 18789,
      version,
    }),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [rel, text] of Object.entries(referenceUnits())) {
    const file = path.join(REPO, rel);
    let current = '';
    try { current = readFileSync(file, 'utf8'); } catch { /* missing */ }
    if (current === text) continue;
    if (check) {
      process.stderr.write(`openclaw: reference units: ${rel} is stale (run: node dist/scripts/podman/reference-units.js)\n`);
      stale++;
    } else {
      writeFileSync(file, text);
      process.stderr.write(`changed  ${rel}\n`);
    }
  }
  process.exitCode = stale ? 1 : 0;
}
