// Pure units for the typed unit renderers: the reference files in quadlet/ and systemd/ are exactly
// what the Quadlet and native-service models render (byte for byte, same as
// `node dist/scripts/podman/reference-units.js --check`), and no value can smuggle a line into a
// unit: CR or LF anywhere (paths, image, names, version, comments, specifiers) is refused with an
// error that names the key, before any text is produced.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OpenclawError } from '../../lib/errors.js';
import { renderUnit, specifier, type UnitFile } from '../../lib/unit-file.js';
import { nativeUnit, renderNativeUnit, type NativeUnit } from '../../runtime/cli/gateway-install.js';
import { REFERENCE_QUADLET, referenceUnits } from '../../scripts/podman/reference-units.js';
import { gatewayQuadlet, renderGatewayQuadlet, type GatewayUnit } from '../../scripts/podman/unit.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

const QUADLET: GatewayUnit = REFERENCE_QUADLET;

const NATIVE: NativeUnit = {
  name: 'openclaw-gateway',
  node: '/usr/bin/node',
  entry: '/usr/local/lib/node_modules/openclaw-kit/bin/openclaw',
  port: 18789,
  version: '0.1.0',
};

const BREAKS: ReadonlyArray<readonly [string, string]> = [
  ['LF', '\n'],
  ['CR', '\r'],
  ['CRLF', '\r\n'],
];

/** Where a line break goes inside a value: in the middle, at the end, and as an injected key. */
function poisoned(value: string, brk: string): string[] {
  const mid = Math.max(1, Math.floor(value.length / 2));
  return [`${value.slice(0, mid)}${brk}${value.slice(mid)}`, `${value}${brk}`, `${value}${brk}ExecStartPre=/bin/sh -c id`];
}

function assertRefused(fn: () => unknown, key: RegExp, what: string, oneLine = true): void {
  assert.throws(
    fn,
    (err: unknown) => {
      assert.ok(err instanceof OpenclawError, `${what}: expected an OpenclawError, got ${String(err)}`);
      assert.match(err.message, key, `${what}: the error must name the key`);
      // Values are escaped in messages; key and section names are code constants, echoed as they are.
      if (oneLine) assert.doesNotMatch(err.message, /[\r\n]/, `${what}: the error message must itself be one line`);
      return true;
    },
    `${what}: accepted a value with a line break`,
  );
}

test('reference units: quadlet/openclaw.container and systemd/openclaw-gateway.service are the rendered models, byte for byte', () => {
  const units = referenceUnits();
  assert.deepEqual(Object.keys(units).sort(), ['quadlet/openclaw.container', 'systemd/openclaw-gateway.service']);
  for (const [rel, text] of Object.entries(units)) {
    const onDisk = readFileSync(join(REPO, rel));
    assert.ok(Buffer.from(text, 'utf8').equals(onDisk), `${rel} differs from the rendered model (run: node dist/scripts/podman/reference-units.js)`);
    assert.doesNotMatch(text, /\r/, `${rel}: CR in a unit`);
    assert.ok(text.endsWith('\n') && !text.endsWith('\n\n'), `${rel}: must end with exactly one newline`);
    assert.doesNotMatch(text, /[ \t]$/m, `${rel}: trailing whitespace`);
  }
  // The renderers called directly with the documented defaults give the same bytes.
  assert.equal(renderGatewayQuadlet(QUADLET), units['quadlet/openclaw.container']);
  const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
  assert.equal(renderNativeUnit({ ...NATIVE, version }), units['systemd/openclaw-gateway.service']);
});

test('reference units: the --check CLI agrees (exit 0, silent)', () => {
  const r = spawnSync(process.execPath, [join(REPO, 'dist', 'scripts', 'podman', 'reference-units.js'), '--check'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `reference-units.js --check failed: ${r.stderr}`);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, '');
});

test('quadlet model: the keys the spec requires, and no token anywhere', () => {
  const text = renderGatewayQuadlet(QUADLET);
  for (const line of [
    'UserNS=keep-id:uid=1000,gid=1000',
    'Volume=/home/openclaw/.openclaw:/home/node/.openclaw',
    'Volume=/home/openclaw/.openclaw/workspace:/home/node/.openclaw/workspace',
    'EnvironmentFile=/home/openclaw/.openclaw/.env',
    'PublishPort=127.0.0.1:18789:18789',
    'PublishPort=127.0.0.1:18790:18790',
    'Restart=on-failure',
    'WantedBy=default.target',
  ]) {
    assert.ok(text.split('\n').includes(line), `missing line: ${line}`);
  }
  assert.doesNotMatch(text, /OPENCLAW_GATEWAY_TOKEN=/);
  const selinux = renderGatewayQuadlet({ ...QUADLET, selinux: true, gatewayPort: 28789, bridgePort: 28790 });
  assert.ok(selinux.includes('Volume=/home/openclaw/.openclaw:/home/node/.openclaw:Z\n'));
  assert.ok(selinux.includes('Volume=/home/openclaw/.openclaw/workspace:/home/node/.openclaw/workspace:Z\n'));
  assert.ok(selinux.includes('PublishPort=127.0.0.1:28789:18789\nPublishPort=127.0.0.1:28790:18790\n'));
});

test('native unit: no token, exit codes, and the state dir when given', () => {
  const text = renderNativeUnit(NATIVE);
  assert.doesNotMatch(text, /TOKEN=/);
  assert.ok(text.includes('\nRestartPreventExitStatus=78\n'));
  assert.ok(text.includes('\nSuccessExitStatus=0 143\n'));
  const withState = renderNativeUnit({ ...NATIVE, stateDir: '/srv/oc/state' });
  assert.ok(withState.includes('\nEnvironment=OPENCLAW_STATE_DIR=/srv/oc/state\n'));
});

test('quadlet model: CR or LF in any string value is refused, naming the key', () => {
  const fields: ReadonlyArray<readonly [keyof GatewayUnit, RegExp]> = [
    ['image', /\bimage\b/],
    ['containerName', /container name/],
    ['configDir', /config dir/],
    ['workspaceDir', /workspace dir/],
    ['envFile', /env file/],
  ];
  for (const [field, key] of fields) {
    for (const [label, brk] of BREAKS) {
      for (const value of poisoned(String(QUADLET[field]), brk)) {
        const m = { ...QUADLET, [field]: value };
        assertRefused(() => gatewayQuadlet(m), key, `${field} with ${label} (model)`);
        assertRefused(() => renderGatewayQuadlet(m), key, `${field} with ${label} (render)`);
      }
    }
  }
});

test('quadlet model: ports that are not numbers (a newline smuggled through a cast) are refused, naming the port', () => {
  for (const field of ['gatewayPort', 'bridgePort'] as const) {
    for (const [label, brk] of BREAKS) {
      const m = { ...QUADLET, [field]: `18789${brk}PublishPort=0.0.0.0:22:22` as unknown as number };
      assertRefused(() => renderGatewayQuadlet(m), field === 'gatewayPort' ? /gateway port/ : /bridge port/, `${field} with ${label}`);
    }
  }
});

test('native unit: CR or LF in any string value is refused, naming the key', () => {
  const fields: ReadonlyArray<readonly [keyof NativeUnit, RegExp]> = [
    ['node', /node path/],
    ['entry', /openclaw path/],
    ['stateDir', /OPENCLAW_STATE_DIR/],
    // The unit name lands in Environment=OPENCLAW_SYSTEMD_UNIT=..., the version in Description= and a comment.
    ['name', /Environment=/],
    ['version', /Description=|#/],
  ];
  for (const [field, key] of fields) {
    const base = field === 'stateDir' ? '/srv/oc/state' : String(NATIVE[field]);
    for (const [label, brk] of BREAKS) {
      for (const value of poisoned(base, brk)) {
        const u = { ...NATIVE, [field]: value };
        assertRefused(() => renderNativeUnit(u), key, `${field} with ${label}`);
      }
    }
  }
  // nativeUnit() validates the paths while building the model, before any rendering.
  assertRefused(() => nativeUnit({ ...NATIVE, entry: '/usr/bin/openclaw\nExecStartPre=/bin/true' }), /openclaw path/, 'entry (model)');
});

test('renderUnit: line breaks in values, specifiers, comments, headers, keys and section names are refused, naming them', () => {
  const unit = (entries: Array<readonly [string, string | ReturnType<typeof specifier>]>, extra: Partial<UnitFile> = {}): UnitFile => ({
    sections: [{ name: 'Service', groups: [{ entries }] }],
    ...extra,
  });
  for (const [label, brk] of BREAKS) {
    assertRefused(() => renderUnit(unit([['ExecStart', `/bin/true${brk}ExecStartPost=/bin/sh`]])), /ExecStart=/, `value with ${label}`);
    assertRefused(() => renderUnit(unit([['Environment', `A=1${brk}`]])), /Environment=/, `trailing ${label}`);
    assertRefused(() => renderUnit(unit([['ExecStartPre', specifier(`-/usr/bin/rm -f %t/%N.cid${brk}ExecStart=/bin/sh`)]])), /ExecStartPre=/, `specifier with ${label}`);
    assertRefused(() => renderUnit(unit([['Description', 'x']], { header: [`ok${brk}[Service]`] })), /#/, `header with ${label}`);
    assertRefused(
      () => renderUnit({ sections: [{ name: 'Service', groups: [{ comment: `why${brk}ExecStart=/bin/sh`, entries: [['Description', 'x']] }] }] }),
      /#/,
      `group comment with ${label}`,
    );
    assertRefused(() => renderUnit(unit([[`Exec${brk}Start`, '/bin/true']])), /Exec/, `key with ${label}`, false);
    assertRefused(() => renderUnit({ sections: [{ name: `Service]${brk}[Unit`, groups: [] }] }), /\[Service\]/, `section with ${label}`, false);
  }
  // NUL, a trailing backslash (line continuation) and edge whitespace would also change the parse.
  assertRefused(() => renderUnit(unit([['ExecStart', '/bin/true\0x']])), /ExecStart=/, 'NUL');
  assertRefused(() => renderUnit(unit([['ExecStart', '/bin/true \\']])), /ExecStart=/, 'trailing backslash');
  assertRefused(() => renderUnit(unit([['Description', ' padded']])), /Description=/, 'leading space');
  // % in a plain value is escaped; a Specifier keeps it.
  assert.equal(renderUnit(unit([['Description', '100%'], ['ExecStartPre', specifier('-/usr/bin/rm -f %t/%N.cid')]])), '[Service]\nDescription=100%%\nExecStartPre=-/usr/bin/rm -f %t/%N.cid\n');
});
