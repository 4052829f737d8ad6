// Device pairing: which Ed25519 device identities may connect without the shared secret, with
// which role and scopes. Paired devices live in `<state>/devices/paired.json` (written atomically,
// 0600); pending requests live in memory with a TTL (a gateway restart drops them and the device
// simply asks again). A device token is shown once, to the device, and stored only as its sha256.
//
// Life of a grant, per device and role:
//   pending request --approve--> approved (no token yet) --device connects with its signature-->
//   token issued (hash stored, token sent once in hello-ok) --revoke/remove--> gone.
// `rotate` drops the current token and returns the grant to "approved": the device gets a fresh
// token on its next signed connect.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { nodeCrypto } from '../../lib/cjs.js';
import { ensurePrivateDir, readFileIfExists, writeFileAtomic } from '../../lib/fsutil.js';
import { hasScope } from './ws/scopes.js';

export const PENDING_TTL_MS = 10 * 60_000;
export const MAX_PENDING = 100;
export const MAX_DEVICE_NAME = 64;
const FILE_VERSION = 1;

export interface DeviceMeta {
  clientId?: string | undefined;
  clientMode?: string | undefined;
  displayName?: string | undefined;
  platform?: string | undefined;
  deviceFamily?: string | undefined;
  remoteAddress?: string | undefined;
}

export interface PendingRequest extends DeviceMeta {
  requestId: string;
  deviceId: string;
  publicKey: string;
  role: string;
  scopes: string[];
  /** The request replaced an earlier pending one of the same device (role, scopes or key changed). */
  supersedes?: string | undefined;
  /** The device is already paired (for another role, or its token was revoked). */
  isRepair: boolean;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
}

export interface RoleGrant {
  scopes: string[];
  approvedAt: number;
  /** sha256 (hex) of the current token; absent until the device collects it. */
  tokenHash?: string | undefined;
  tokenIssuedAt?: number | undefined;
  lastUsedAt?: number | undefined;
}

export interface PairedDevice extends DeviceMeta {
  deviceId: string;
  publicKey: string;
  /** Operator-chosen name (`devices rename`); displayName is what the client calls itself. */
  name?: string | undefined;
  createdAt: number;
  roles: Record<string, RoleGrant>;
}

/** What `device.pair.list` shows of a paired device: never a token or its hash. */
export interface PairedView extends DeviceMeta {
  deviceId: string;
  publicKey: string;
  name?: string | undefined;
  createdAt: number;
  roles: Array<{ role: string; scopes: string[]; approvedAt: number; token: 'issued' | 'awaiting-device'; tokenIssuedAt?: number | undefined; lastUsedAt?: number | undefined }>;
}

export interface DeviceHello extends DeviceMeta {
  deviceId: string;
  publicKey: string;
  role: string;
  scopes: string[];
  deviceToken?: string | undefined;
}

export type DeviceAuth =
  | { kind: 'ok'; scopes: string[]; deviceToken?: string | undefined; via: 'device-token' | 'first-delivery' }
  | { kind: 'pairing'; request: PendingRequest; created: boolean; reason: 'not-paired' | 'role-not-paired' | 'token-missing' | 'token-mismatch' };

export class DeviceError extends Error {
  constructor(
    readonly code: 'UNKNOWN_REQUEST' | 'UNKNOWN_DEVICE' | 'UNKNOWN_ROLE' | 'INVALID_NAME',
    message: string,
  ) {
    super(message);
  }
}

export function hashToken(token: string): string {
  return nodeCrypto().createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented token against a stored sha256 hex. */
export function tokenMatches(storedHash: string | undefined, presented: string | undefined): boolean {
  if (!storedHash || !presented) return false;
  const expected = Buffer.from(storedHash, 'hex');
  const given = nodeCrypto().createHash('sha256').update(presented, 'utf8').digest();
  return expected.length === given.length && nodeCrypto().timingSafeEqual(expected, given);
}

export function newDeviceToken(): string {
  return nodeCrypto().randomBytes(32).toString('base64url');
}

function sameScopes(a: readonly string[], b: readonly string[]): boolean {
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((s, i) => s === y[i]);
}

function uniq(scopes: readonly string[]): string[] {
  return [...new Set(scopes)];
}

function meta(m: DeviceMeta): DeviceMeta {
  const out: DeviceMeta = {};
  for (const key of ['clientId', 'clientMode', 'displayName', 'platform', 'deviceFamily', 'remoteAddress'] as const) if (m[key] !== undefined) out[key] = m[key];
  return out;
}

export class DeviceStore {
  readonly file: string;
  private paired = new Map<string, PairedDevice>();
  private readonly pending = new Map<string, PendingRequest>(); // by requestId
  private loaded: Promise<void> | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    readonly dir: string,
    private readonly now: () => number = Date.now,
    readonly pendingTtlMs = PENDING_TTL_MS,
    private readonly onWarn?: (event: string, fields: Record<string, unknown>) => void,
  ) {
    this.file = path.join(dir, 'paired.json');
  }

  /**
   * Read paired.json once, on first use (a gateway that never sees a device never touches it). A
   * file that does not parse is moved aside (devices pair again) rather than locking every device
   * out; a read error is not remembered, so the next attempt retries.
   */
  load(): Promise<void> {
    this.loaded ??= (async () => {
      const text = await readFileIfExists(this.file);
      if (text === undefined) return;
      let data: { version?: number; devices?: PairedDevice[] };
      try {
        data = JSON.parse(text) as typeof data;
        if (data === null || typeof data !== 'object' || (data.devices !== undefined && !Array.isArray(data.devices))) throw new Error('not a device list');
      } catch (err) {
        const aside = `${this.file}.corrupt-${this.now()}`;
        await fs.rename(this.file, aside);
        this.onWarn?.('devices.store_corrupt', { file: this.file, movedTo: aside, reason: (err as Error).message });
        return;
      }
      for (const d of data.devices ?? []) if (d && typeof d.deviceId === 'string' && typeof d.publicKey === 'string') this.paired.set(d.deviceId, { ...d, roles: d.roles ?? {} });
    })().catch((err: unknown) => {
      this.loaded = undefined;
      throw err;
    });
    return this.loaded;
  }

  /** Write paired.json; writes are serialized and each one writes the state as it is then. */
  private persist(): Promise<void> {
    const next = this.writing.then(async () => {
      await ensurePrivateDir(this.dir);
      const devices = [...this.paired.values()].sort((a, b) => a.createdAt - b.createdAt);
      await writeFileAtomic(this.file, JSON.stringify({ version: FILE_VERSION, devices }, null, 2) + '\n');
    });
    this.writing = next.catch(() => undefined);
    return next;
  }

  private prune(): void {
    const t = this.now();
    for (const [id, r] of this.pending) if (r.expiresAt <= t) this.pending.delete(id);
  }

  async listPending(): Promise<PendingRequest[]> {
    await this.load();
    this.prune();
    return [...this.pending.values()].sort((a, b) => a.createdAt - b.createdAt).map((r) => ({ ...r, scopes: [...r.scopes] }));
  }

  async listPaired(): Promise<PairedView[]> {
    await this.load();
    return [...this.paired.values()]
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((d) => ({
        deviceId: d.deviceId,
        publicKey: d.publicKey,
        ...(d.name !== undefined ? { name: d.name } : {}),
        ...meta(d),
        createdAt: d.createdAt,
        roles: Object.entries(d.roles).map(([role, g]) => ({
          role,
          scopes: [...g.scopes],
          approvedAt: g.approvedAt,
          token: g.tokenHash ? ('issued' as const) : ('awaiting-device' as const),
          ...(g.tokenIssuedAt !== undefined ? { tokenIssuedAt: g.tokenIssuedAt } : {}),
          ...(g.lastUsedAt !== undefined ? { lastUsedAt: g.lastUsedAt } : {}),
        })),
      }));
  }

  async getPaired(deviceId: string): Promise<PairedDevice | undefined> {
    await this.load();
    return this.paired.get(deviceId);
  }

  /**
   * A device-signed client without the shared secret. A valid token for its role lets it in; a
   * grant approved but not yet collected lets it in and hands it a fresh token; anything else is a
   * pending request (the same one again, or a new one superseding the old if role, scopes or key
   * changed).
   */
  async authenticate(hello: DeviceHello): Promise<DeviceAuth> {
    await this.load();
    const t = this.now();
    const device = this.paired.get(hello.deviceId);
    const grant = device && device.publicKey === hello.publicKey ? device.roles[hello.role] : undefined;
    if (device && grant) {
      const granted = hello.scopes.filter((s) => hasScope(grant.scopes, s));
      if (grant.tokenHash && tokenMatches(grant.tokenHash, hello.deviceToken)) {
        grant.lastUsedAt = t; // persisted with the next write; not worth a disk write per connect
        return { kind: 'ok', scopes: uniq(granted), via: 'device-token' };
      }
      if (!grant.tokenHash) {
        const token = newDeviceToken();
        grant.tokenHash = hashToken(token);
        grant.tokenIssuedAt = t;
        grant.lastUsedAt = t;
        Object.assign(device, meta(hello));
        try {
          await this.persist();
        } catch (err) {
          grant.tokenHash = undefined; // not on disk: the device can collect a token next time
          grant.tokenIssuedAt = undefined;
          throw err;
        }
        return { kind: 'ok', scopes: uniq(granted), deviceToken: token, via: 'first-delivery' };
      }
    }
    const reason = !device ? 'not-paired' : !grant ? 'role-not-paired' : hello.deviceToken ? 'token-mismatch' : 'token-missing';
    const { request, created } = this.request(hello, device !== undefined);
    return { kind: 'pairing', request, created, reason };
  }

  /** The pending request of a device (at most one), removed when `remove`. */
  private pendingFor(deviceId: string, remove = false): PendingRequest | undefined {
    for (const r of this.pending.values()) {
      if (r.deviceId === deviceId) {
        if (remove) this.pending.delete(r.requestId);
        return r;
      }
    }
    return undefined;
  }

  /** Create or refresh the device's pending request. */
  private request(hello: DeviceHello, isRepair: boolean): { request: PendingRequest; created: boolean } {
    this.prune();
    const t = this.now();
    const scopes = uniq(hello.scopes);
    const current = this.pendingFor(hello.deviceId);
    if (current && current.role === hello.role && current.publicKey === hello.publicKey && sameScopes(current.scopes, scopes)) {
      current.lastSeenAt = t;
      current.expiresAt = t + this.pendingTtlMs;
      Object.assign(current, meta(hello));
      return { request: current, created: false };
    }
    if (current) this.pending.delete(current.requestId);
    while (this.pending.size >= MAX_PENDING) {
      const oldest = [...this.pending.values()].sort((a, b) => a.lastSeenAt - b.lastSeenAt)[0]!;
      this.pending.delete(oldest.requestId);
    }
    const request: PendingRequest = {
      requestId: nodeCrypto().randomUUID(),
      deviceId: hello.deviceId,
      publicKey: hello.publicKey,
      role: hello.role,
      scopes,
      ...meta(hello),
      ...(current ? { supersedes: current.requestId } : {}),
      isRepair,
      createdAt: t,
      lastSeenAt: t,
      expiresAt: t + this.pendingTtlMs,
    };
    this.pending.set(request.requestId, request);
    return { request, created: true };
  }

  /**
   * A client that proved the shared secret and signed with its device key: the operator proved
   * host access, so the device is paired for this role with the scopes it was given. Returns a new
   * token unless the client already presented the current one for unchanged scopes.
   */
  async autoPair(hello: DeviceHello): Promise<{ deviceToken?: string | undefined; created: boolean }> {
    await this.load();
    const t = this.now();
    let device = this.paired.get(hello.deviceId);
    const created = !device || device.publicKey !== hello.publicKey;
    if (!device || device.publicKey !== hello.publicKey) {
      device = { deviceId: hello.deviceId, publicKey: hello.publicKey, ...meta(hello), createdAt: t, roles: {} };
      this.paired.set(device.deviceId, device);
    }
    const pending = this.pendingFor(hello.deviceId);
    if (pending && pending.role === hello.role) this.pending.delete(pending.requestId);
    const scopes = uniq(hello.scopes);
    const grant = device.roles[hello.role];
    if (grant?.tokenHash && sameScopes(grant.scopes, scopes) && tokenMatches(grant.tokenHash, hello.deviceToken)) {
      grant.lastUsedAt = t;
      return { created: false };
    }
    const token = newDeviceToken();
    Object.assign(device, meta(hello));
    device.roles[hello.role] = { scopes, approvedAt: grant?.approvedAt ?? t, tokenHash: hashToken(token), tokenIssuedAt: t, lastUsedAt: t };
    try {
      await this.persist();
    } catch (err) {
      // Not on disk: keep what the device had, so its current token keeps working.
      if (created) this.paired.delete(hello.deviceId);
      else if (grant) device.roles[hello.role] = grant;
      else delete device.roles[hello.role];
      throw err;
    }
    return { deviceToken: token, created };
  }

  /** Approve a pending request: the grant waits for the device to connect and collect its token. */
  async approve(requestId: string): Promise<{ request: PendingRequest; device: PairedView }> {
    await this.load();
    this.prune();
    const request = this.pending.get(requestId);
    if (!request) throw new DeviceError('UNKNOWN_REQUEST', `unknown or expired pairing request: ${requestId}`);
    const t = this.now();
    let device = this.paired.get(request.deviceId);
    if (!device || device.publicKey !== request.publicKey) {
      device = { deviceId: request.deviceId, publicKey: request.publicKey, ...meta(request), createdAt: t, roles: {} };
      this.paired.set(device.deviceId, device);
    }
    device.roles[request.role] = { scopes: [...request.scopes], approvedAt: t };
    this.pending.delete(requestId);
    await this.persist();
    return { request, device: (await this.listPaired()).find((d) => d.deviceId === request.deviceId)! };
  }

  async reject(requestId: string): Promise<PendingRequest> {
    await this.load();
    this.prune();
    const request = this.pending.get(requestId);
    if (!request) throw new DeviceError('UNKNOWN_REQUEST', `unknown or expired pairing request: ${requestId}`);
    this.pending.delete(requestId);
    return request;
  }

  async remove(deviceId: string): Promise<PairedDevice> {
    await this.load();
    const device = this.paired.get(deviceId);
    if (!device) throw new DeviceError('UNKNOWN_DEVICE', `unknown device: ${deviceId}`);
    this.paired.delete(deviceId);
    this.pendingFor(deviceId, true);
    await this.persist();
    return device;
  }

  async rename(deviceId: string, name: string): Promise<void> {
    await this.load();
    const trimmed = name.trim();
    if (trimmed.length === 0 || trimmed.length > MAX_DEVICE_NAME || /[\u0000-\u001f\u007f]/.test(trimmed)) {
      throw new DeviceError('INVALID_NAME', `device name must be 1-${MAX_DEVICE_NAME} printable characters`);
    }
    const device = this.paired.get(deviceId);
    if (!device) throw new DeviceError('UNKNOWN_DEVICE', `unknown device: ${deviceId}`);
    device.name = trimmed;
    await this.persist();
  }

  /** Drop the device's grant for this role: its token stops working and it must pair again. */
  async revoke(deviceId: string, role: string): Promise<void> {
    await this.load();
    const device = this.paired.get(deviceId);
    if (!device) throw new DeviceError('UNKNOWN_DEVICE', `unknown device: ${deviceId}`);
    if (!device.roles[role]) throw new DeviceError('UNKNOWN_ROLE', `device ${deviceId} has no ${role} grant`);
    delete device.roles[role];
    await this.persist();
  }

  /** Invalidate the current token (optionally narrowing the scopes); the device collects a new one on its next signed connect. */
  async rotate(deviceId: string, role: string, scopes?: string[]): Promise<RoleGrant> {
    await this.load();
    const device = this.paired.get(deviceId);
    if (!device) throw new DeviceError('UNKNOWN_DEVICE', `unknown device: ${deviceId}`);
    const grant = device.roles[role];
    if (!grant) throw new DeviceError('UNKNOWN_ROLE', `device ${deviceId} has no ${role} grant`);
    const next: RoleGrant = { scopes: scopes ? uniq(scopes) : grant.scopes, approvedAt: this.now() };
    device.roles[role] = next;
    await this.persist();
    return next;
  }
}
