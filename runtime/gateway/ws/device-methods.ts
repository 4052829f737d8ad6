// `device.pair.*` and `device.token.*`: what an operator with operator.pairing (or operator.admin)
// does with pairing requests and paired devices. Tokens never leave through these methods: a device
// collects its token itself, in hello-ok, on its next signed connect after approval or rotation.
import type { ClientInfo, GatewayContext } from '../context.js';
import { DeviceError } from '../devices.js';
import { invalidRequest } from './protocol.js';
import { hasScope } from './scopes.js';
import type { Method } from './methods.js';

export const PAIRING_SCOPE = 'operator.pairing';
export const DEVICE_EVENTS = ['device.pair.requested', 'device.pair.resolved'];
/** Close code for clients whose credentials were withdrawn (upstream uses 4001 "client invalidated"). */
const CLOSE_INVALIDATED = 4001;

/** Send an event to every connected operator allowed to act on pairing requests. */
export function notifyPairingOperators(gw: GatewayContext, event: string, payload: unknown): void {
  for (const c of gw.clients.values()) if (c.role === 'operator' && hasScope(c.scopes, PAIRING_SCOPE)) c.sendEvent?.(event, payload);
}

function disconnectDevice(gw: GatewayContext, deviceId: string, reason: string, match: (c: ClientInfo) => boolean = () => true): number {
  let n = 0;
  for (const c of [...gw.clients.values()]) {
    if (c.deviceId === deviceId && match(c)) {
      c.disconnect?.(CLOSE_INVALIDATED, reason);
      n++;
    }
  }
  return n;
}

function params(p: unknown, method: string, allowed: string[]): Record<string, unknown> {
  if (p === undefined || p === null) p = {};
  if (typeof p !== 'object' || Array.isArray(p)) throw invalidRequest(`invalid ${method} params: must be object`);
  const obj = p as Record<string, unknown>;
  for (const key of Object.keys(obj)) if (!allowed.includes(key)) throw invalidRequest(`invalid ${method} params: at root: unexpected property '${key}'`);
  return obj;
}

function str(p: Record<string, unknown>, key: string, method: string): string {
  const v = p[key];
  if (typeof v !== 'string' || v.length === 0) throw invalidRequest(`invalid ${method} params: must have required property '${key}' (non-empty string)`);
  return v;
}

async function run<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DeviceError) throw invalidRequest(err.message, { code: err.code });
    throw err;
  }
}

export const DEVICE_METHODS: Record<string, Method> = {
  'device.pair.list': {
    scopes: [PAIRING_SCOPE],
    handler: async (p, { gateway }) => {
      params(p, 'device.pair.list', []);
      const [pending, paired] = await Promise.all([gateway.devices.listPending(), gateway.devices.listPaired()]);
      return { pending, paired };
    },
  },
  'device.pair.approve': {
    scopes: [PAIRING_SCOPE],
    handler: (p, { gateway, client }) =>
      run(async () => {
        const requestId = str(params(p, 'device.pair.approve', ['requestId']), 'requestId', 'device.pair.approve');
        const { request, device } = await gateway.devices.approve(requestId);
        const ts = Date.now();
        gateway.logger.info('device.approved', { device: request.deviceId.slice(0, 12), role: request.role, scopes: request.scopes.join(','), by: client.connId });
        notifyPairingOperators(gateway, 'device.pair.resolved', { requestId, deviceId: request.deviceId, role: request.role, decision: 'approved', ts });
        return { requestId, deviceId: request.deviceId, role: request.role, scopes: request.scopes, approvedAt: ts, device, next: 'the device receives its token when it reconnects' };
      }),
  },
  'device.pair.reject': {
    scopes: [PAIRING_SCOPE],
    handler: (p, { gateway, client }) =>
      run(async () => {
        const requestId = str(params(p, 'device.pair.reject', ['requestId']), 'requestId', 'device.pair.reject');
        const request = await gateway.devices.reject(requestId);
        const ts = Date.now();
        gateway.logger.info('device.rejected', { device: request.deviceId.slice(0, 12), role: request.role, by: client.connId });
        notifyPairingOperators(gateway, 'device.pair.resolved', { requestId, deviceId: request.deviceId, role: request.role, decision: 'rejected', ts });
        return { requestId, deviceId: request.deviceId, rejectedAt: ts };
      }),
  },
  'device.pair.remove': {
    scopes: [PAIRING_SCOPE],
    handler: (p, { gateway }) =>
      run(async () => {
        const deviceId = str(params(p, 'device.pair.remove', ['deviceId']), 'deviceId', 'device.pair.remove');
        await gateway.devices.remove(deviceId);
        const disconnected = disconnectDevice(gateway, deviceId, 'device removed', (c) => c.viaDevice === true);
        gateway.logger.info('device.removed', { device: deviceId.slice(0, 12), disconnected });
        return { deviceId, removed: true, disconnected };
      }),
  },
  'device.pair.rename': {
    scopes: [PAIRING_SCOPE],
    handler: (p, { gateway }) =>
      run(async () => {
        const q = params(p, 'device.pair.rename', ['deviceId', 'name']);
        const deviceId = str(q, 'deviceId', 'device.pair.rename');
        if (typeof q.name !== 'string') throw invalidRequest("invalid device.pair.rename params: must have required property 'name' (string)");
        await gateway.devices.rename(deviceId, q.name);
        return { deviceId, name: q.name.trim() };
      }),
  },
  'device.token.revoke': {
    scopes: [PAIRING_SCOPE],
    handler: (p, { gateway }) =>
      run(async () => {
        const q = params(p, 'device.token.revoke', ['deviceId', 'role']);
        const deviceId = str(q, 'deviceId', 'device.token.revoke');
        const role = str(q, 'role', 'device.token.revoke');
        await gateway.devices.revoke(deviceId, role);
        const disconnected = disconnectDevice(gateway, deviceId, 'device token revoked', (c) => c.viaDevice === true && c.role === role);
        gateway.logger.info('device.token_revoked', { device: deviceId.slice(0, 12), role, disconnected });
        return { deviceId, role, revoked: true, disconnected };
      }),
  },
  'device.token.rotate': {
    scopes: [PAIRING_SCOPE],
    handler: (p, { gateway }) =>
      run(async () => {
        const q = params(p, 'device.token.rotate', ['deviceId', 'role', 'scopes']);
        const deviceId = str(q, 'deviceId', 'device.token.rotate');
        const role = str(q, 'role', 'device.token.rotate');
        if (q.scopes !== undefined && !(Array.isArray(q.scopes) && q.scopes.every((s) => typeof s === 'string'))) {
          throw invalidRequest('invalid device.token.rotate params: scopes must be an array of strings');
        }
        const grant = await gateway.devices.rotate(deviceId, role, q.scopes as string[] | undefined);
        const disconnected = disconnectDevice(gateway, deviceId, 'device token rotated', (c) => c.viaDevice === true && c.role === role);
        gateway.logger.info('device.token_rotated', { device: deviceId.slice(0, 12), role, disconnected });
        return { deviceId, role, scopes: grant.scopes, rotatedAt: grant.approvedAt, disconnected, next: 'the device receives its new token when it reconnects' };
      }),
  },
};
