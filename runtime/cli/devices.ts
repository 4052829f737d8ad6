// `openclaw devices`: pairing requests and paired devices of the running gateway, over the
// WebSocket protocol (device.pair.* and device.token.*). Needs operator.pairing (admin covers it).
import { EXIT, UsageError } from '../../lib/errors.js';
import { parseFlags } from '../../lib/args.js';
import { GatewayClient } from '../client/client.js';
import { resolveTarget, TARGET_OPTIONS, TARGET_USAGE } from '../client/target.js';
import { printJson, type Command } from './command.js';

const SUBCOMMANDS = ['list', 'approve', 'reject', 'remove', 'rename', 'revoke', 'rotate', 'clear'] as const;
type Sub = (typeof SUBCOMMANDS)[number];

const USAGE = `devices <list|approve|reject|remove|rename|revoke|rotate|clear> [args] ${TARGET_USAGE} [--json]`;

const HELP = `
Subcommands:
  list                               pending requests and paired devices
  approve [REQUEST_ID]               approve a request; the device gets its token when it reconnects
  approve [--latest]                 without an id: show the latest pending request and exit 1
  reject REQUEST_ID                  reject a pending request
  remove DEVICE                      forget a paired device (its live connections are closed)
  rename --device DEVICE --name NAME name a paired device (at most 64 characters)
  revoke --device DEVICE --role ROLE withdraw the device's token for a role
  rotate --device DEVICE --role ROLE [--scope SCOPE]...
                                     invalidate the token; the device collects a new one on reconnect
  clear --yes [--pending]            remove every paired device (--pending: also reject every request)

DEVICE is a device id, a unique prefix of one (8+ characters), or a device name.
Connects like 'openclaw health': --url, OPENCLAW_GATEWAY_URL, gateway.remote.url, else the local gateway.`;

const OPTIONS = {
  ...TARGET_OPTIONS,
  json: { type: 'boolean' },
  latest: { type: 'boolean' },
  device: { type: 'string' },
  name: { type: 'string' },
  role: { type: 'string' },
  scope: { type: 'string', multiple: true },
  yes: { type: 'boolean' },
  pending: { type: 'boolean' },
} as const;

/** Flags each subcommand takes besides the target flags and --json. */
const ALLOWED: Record<Sub, string[]> = {
  list: [],
  approve: ['latest'],
  reject: [],
  remove: [],
  rename: ['device', 'name'],
  revoke: ['device', 'role'],
  rotate: ['device', 'role', 'scope'],
  clear: ['yes', 'pending'],
};
const POSITIONALS: Record<Sub, [number, number]> = { list: [0, 0], approve: [0, 1], reject: [1, 1], remove: [1, 1], rename: [0, 0], revoke: [0, 0], rotate: [0, 0], clear: [0, 0] };

interface Pending {
  requestId: string;
  deviceId: string;
  role: string;
  scopes: string[];
  displayName?: string;
  clientId?: string;
  platform?: string;
  remoteAddress?: string;
  isRepair?: boolean;
  supersedes?: string;
  createdAt: number;
  expiresAt: number;
}
interface Paired {
  deviceId: string;
  name?: string;
  displayName?: string;
  clientId?: string;
  platform?: string;
  remoteAddress?: string;
  createdAt: number;
  roles: Array<{ role: string; scopes: string[]; token: string; lastUsedAt?: number }>;
}
interface Listing {
  pending: Pending[];
  paired: Paired[];
}

function ago(ts: number | undefined): string {
  if (!ts) return '-';
  const s = Math.max(0, Math.round((Date.now() - ts) / 1000));
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : s < 172800 ? `${Math.round(s / 3600)}h ago` : `${Math.round(s / 86400)}d ago`;
}

function short(id: string): string {
  return id.slice(0, 12);
}

function label(d: { name?: string; displayName?: string; clientId?: string; platform?: string }): string {
  return d.name ?? d.displayName ?? ([d.clientId, d.platform].filter(Boolean).join('/') || '-');
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => '  ' + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

function renderList(l: Listing): string {
  let out = '';
  if (l.pending.length === 0) out += 'Pending requests: none\n';
  else {
    out += `Pending requests (${l.pending.length}):\n`;
    out += table([
      ['REQUEST', 'DEVICE', 'NAME', 'ROLE', 'SCOPES', 'FROM', 'AGE'],
      ...l.pending.map((r) => [r.requestId, short(r.deviceId), label(r), r.role, r.scopes.join(',') || '-', r.remoteAddress ?? '-', ago(r.createdAt)]),
    ]);
  }
  if (l.paired.length === 0) out += 'Paired devices: none\n';
  else {
    out += `Paired devices (${l.paired.length}):\n`;
    out += table([
      ['DEVICE', 'NAME', 'ROLES', 'TOKEN', 'LAST USED'],
      ...l.paired.map((d) => [
        short(d.deviceId),
        label(d),
        d.roles.map((g) => `${g.role}[${g.scopes.join(',')}]`).join(' ') || '(none)',
        d.roles.map((g) => g.token).join(',') || '-',
        ago(Math.max(0, ...d.roles.map((g) => g.lastUsedAt ?? 0)) || undefined),
      ]),
    ]);
  }
  return out;
}

function renderPreview(r: Pending): string {
  return [
    'Latest pending request (not approved):',
    `  request  ${r.requestId}`,
    `  device   ${r.deviceId}`,
    `  client   ${label(r)}${r.remoteAddress ? ` from ${r.remoteAddress}` : ''}${r.isRepair ? ' (already paired: re-pairing)' : ''}`,
    `  role     ${r.role}`,
    `  scopes   ${r.scopes.join(', ') || '(none)'}`,
    `  age      ${ago(r.createdAt)}`,
    `Approve it with: openclaw devices approve ${r.requestId}`,
    '',
  ].join('\n');
}

/** A device id, a unique id prefix (8+ chars) or an exact name → the device id. */
async function resolveDevice(client: GatewayClient, arg: string, timeoutMs: number): Promise<string> {
  if (/^[0-9a-f]{64}$/.test(arg)) return arg;
  const { paired } = (await client.request('device.pair.list', {}, timeoutMs)) as Listing;
  const byName = paired.filter((d) => d.name === arg || (d.name === undefined && d.displayName === arg));
  const byPrefix = arg.length >= 8 ? paired.filter((d) => d.deviceId.startsWith(arg.toLowerCase())) : [];
  const found = [...new Set([...byName, ...byPrefix])];
  if (found.length === 1) return found[0]!.deviceId;
  if (found.length > 1) throw new UsageError(`'${arg}' matches ${found.length} devices`, 'use more of the device id (openclaw devices list)');
  return arg; // let the gateway say it does not know it
}

export const command: Command = {
  name: 'devices',
  summary: 'List, approve and manage device pairing on the running gateway',
  usage: USAGE,
  help: HELP,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (!sub || !(SUBCOMMANDS as readonly string[]).includes(sub)) {
      throw new UsageError(sub ? `unknown devices subcommand '${sub}'` : 'missing devices subcommand', `usage: openclaw ${USAGE}`);
    }
    const s = sub as Sub;
    const { values, positionals } = parseFlags(rest, OPTIONS, `openclaw devices ${s} ...`);
    for (const key of Object.keys(values)) {
      if (!(key in TARGET_OPTIONS) && key !== 'json' && !ALLOWED[s].includes(key)) throw new UsageError(`devices ${s}: unknown option '--${key}'`, `usage: openclaw ${USAGE}`);
    }
    const [min, max] = POSITIONALS[s];
    if (positionals.length < min || positionals.length > max) {
      throw new UsageError(`devices ${s}: expected ${min === max ? min : `${min}-${max}`} argument(s), got ${positionals.length}`, `usage: openclaw ${USAGE}`);
    }
    const need = (key: 'device' | 'name' | 'role'): string => {
      const v = values[key];
      if (typeof v !== 'string' || v.length === 0) throw new UsageError(`devices ${s}: --${key} is required`, `usage: openclaw ${USAGE}`);
      return v;
    };
    if (s === 'approve' && values.latest && positionals.length > 0) throw new UsageError('devices approve: give a request id or --latest, not both');
    if (s === 'clear' && !values.yes) throw new UsageError('devices clear: refusing to remove every paired device without --yes', 'run: openclaw devices clear --yes');
    const name = s === 'rename' ? need('name') : undefined;
    if (name !== undefined && name.trim().length > 64) throw new UsageError('devices rename: --name must be at most 64 characters');

    const target = await resolveTarget(values);
    const client = await GatewayClient.connect({ ...target, scopes: ['operator.read', 'operator.pairing'] });
    const call = (method: string, params: Record<string, unknown>) => client.request(method, params, target.timeoutMs);
    const out = (value: unknown, text: string): number => {
      if (values.json) printJson(value);
      else process.stdout.write(text);
      return EXIT.OK;
    };
    try {
      switch (s) {
        case 'list': {
          const listing = (await call('device.pair.list', {})) as Listing;
          return out(listing, renderList(listing));
        }
        case 'approve': {
          if (positionals.length === 0) {
            const { pending } = (await call('device.pair.list', {})) as Listing;
            const latest = [...pending].sort((a, b) => b.createdAt - a.createdAt)[0];
            if (values.json) printJson({ approved: false, preview: latest ?? null });
            else process.stdout.write(latest ? renderPreview(latest) : 'No pending pairing requests.\n');
            return EXIT.FAILURE;
          }
          const r = (await call('device.pair.approve', { requestId: positionals[0] })) as { deviceId: string; role: string; scopes: string[] };
          return out(r, `Approved device ${short(r.deviceId)} as ${r.role} [${r.scopes.join(', ') || 'no scopes'}]. It receives its device token when it reconnects.\n`);
        }
        case 'reject': {
          const r = (await call('device.pair.reject', { requestId: positionals[0] })) as { deviceId: string };
          return out(r, `Rejected pairing request ${positionals[0]} (device ${short(r.deviceId)}).\n`);
        }
        case 'remove': {
          const deviceId = await resolveDevice(client, positionals[0]!, target.timeoutMs);
          const r = (await call('device.pair.remove', { deviceId })) as { disconnected: number };
          return out(r, `Removed device ${short(deviceId)}${r.disconnected ? ` (closed ${r.disconnected} connection(s))` : ''}.\n`);
        }
        case 'rename': {
          const deviceId = await resolveDevice(client, need('device'), target.timeoutMs);
          const r = (await call('device.pair.rename', { deviceId, name })) as { name: string };
          return out(r, `Renamed device ${short(deviceId)} to '${r.name}'.\n`);
        }
        case 'revoke': {
          const deviceId = await resolveDevice(client, need('device'), target.timeoutMs);
          const r = await call('device.token.revoke', { deviceId, role: need('role') });
          return out(r, `Revoked the ${values.role} token of device ${short(deviceId)}; it must pair again.\n`);
        }
        case 'rotate': {
          const deviceId = await resolveDevice(client, need('device'), target.timeoutMs);
          const r = (await call('device.token.rotate', { deviceId, role: need('role'), ...(values.scope ? { scopes: values.scope } : {}) })) as { scopes: string[] };
          return out(r, `Rotated the ${values.role} token of device ${short(deviceId)} [${r.scopes.join(', ')}]; it receives the new token when it reconnects.\n`);
        }
        case 'clear': {
          const { pending, paired } = (await call('device.pair.list', {})) as Listing;
          for (const d of paired) await call('device.pair.remove', { deviceId: d.deviceId });
          const rejected = values.pending ? pending : [];
          for (const r of rejected) await call('device.pair.reject', { requestId: r.requestId });
          return out(
            { removed: paired.map((d) => d.deviceId), rejected: rejected.map((r) => r.requestId) },
            `Removed ${paired.length} paired device(s)${values.pending ? `; rejected ${rejected.length} pending request(s)` : ''}.\n`,
          );
        }
      }
    } finally {
      await client.close();
    }
  },
};
