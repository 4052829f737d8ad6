// What the HTTP handler, the WebSocket connections and the RPC methods share about the running
// gateway. Kept as plain data plus a few callbacks so each piece can be tested on its own.
import type { Logger } from '../../lib/log.js';
import type { StatePaths } from '../../lib/paths.js';
import type { LoadedConfig } from '../config/load.js';
import type { AuthSettings, LockoutPolicy } from './auth.js';
import type { BindPlan } from './bind.js';
import type { DeviceStore } from './devices.js';

export type Phase = 'starting' | 'started' | 'draining';

export interface Limits {
  maxPreauthPayload: number;
  maxPayload: number;
  maxBufferedBytes: number;
  handshakeTimeoutMs: number;
  tickIntervalMs: number;
  heartbeatMs: number;
}

export interface RuntimeSettings {
  port: number;
  bind: BindPlan;
  auth: AuthSettings;
  lockout: LockoutPolicy;
  /** Origins from gateway.controlUi.allowedOrigins plus the loopback defaults for the port. */
  allowedOrigins: string[];
  controlUiEnabled: boolean;
  limits: Limits;
}

export interface ClientInfo {
  connId: string;
  clientId: string;
  mode: string;
  role: string;
  scopes: string[];
  remoteAddress: string;
  connectedAt: number;
  displayName?: string | undefined;
  instanceId?: string | undefined;
  version?: string | undefined;
  platform?: string | undefined;
  deviceId?: string | undefined;
  /** Admitted by its device grant (device token or first token delivery), not the shared secret. */
  viaDevice?: boolean | undefined;
  /** Send an event to this client only (with its own seq); set by the connection. */
  sendEvent?: (event: string, payload: unknown) => void;
  /** Close this client's socket (e.g. its device token was revoked); set by the connection. */
  disconnect?: (code: number, reason: string) => void;
}

export interface GatewayContext {
  version: string;
  bootId: string;
  startedAt: number;
  phase: Phase;
  paths: StatePaths;
  settings: RuntimeSettings;
  config: LoadedConfig;
  logger: Logger;
  clients: Map<string, ClientInfo>;
  /** Paired devices and pending pairing requests (loaded on first use). */
  devices: DeviceStore;
  /** Validate, write and apply a new raw config; returns whether a restart is needed. */
  applyConfig(raw: Record<string, unknown>): Promise<{ hash: string; restartRequired: string[] }>;
  broadcast(event: string, payload: unknown): void;
}
