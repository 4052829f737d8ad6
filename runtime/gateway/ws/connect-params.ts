// Validation of `connect` params, closed like upstream's schema. Messages follow upstream's
// "invalid connect params: at <where>: <what>" so clients that match on them keep working.
import { CLIENT_IDS, CLIENT_MODES } from './protocol.js';

export interface ConnectParams {
  minProtocol: number;
  maxProtocol: number;
  client: {
    id: string;
    version: string;
    platform: string;
    mode: string;
    displayName?: string;
    buildId?: string;
    deviceFamily?: string;
    modelIdentifier?: string;
    timeZone?: string;
    instanceId?: string;
  };
  role?: string;
  scopes?: string[];
  caps?: string[];
  commands?: string[];
  permissions?: Record<string, unknown>;
  pathEnv?: string;
  modelCatalog?: unknown;
  device?: { id: string; publicKey: string; signature: string; signedAt: number; nonce: string };
  auth?: {
    token?: string;
    bootstrapToken?: string;
    deviceToken?: string;
    password?: string;
    approvalRuntimeToken?: string;
    agentRuntimeIdentityToken?: string;
  };
  locale?: string;
  userAgent?: string;
  computerUse?: unknown;
  workerRuns?: unknown;
}

type Kind = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'string[]' | 'any';
interface Field {
  kind: Kind;
  required?: boolean;
  enum?: readonly string[];
  fields?: Record<string, Field>;
}

const str = (required = false): Field => ({ kind: 'string', required });
const CLIENT: Record<string, Field> = {
  id: { kind: 'string', required: true, enum: CLIENT_IDS },
  version: str(true),
  platform: str(true),
  mode: { kind: 'string', required: true, enum: CLIENT_MODES },
  displayName: str(),
  buildId: str(),
  deviceFamily: str(),
  modelIdentifier: str(),
  timeZone: str(),
  instanceId: str(),
};
const DEVICE: Record<string, Field> = {
  id: str(true),
  publicKey: str(true),
  signature: str(true),
  signedAt: { kind: 'integer', required: true },
  nonce: str(true),
};
const AUTH: Record<string, Field> = {
  token: str(),
  bootstrapToken: str(),
  deviceToken: str(),
  password: str(),
  approvalRuntimeToken: str(),
  agentRuntimeIdentityToken: str(),
};
const ROOT: Record<string, Field> = {
  minProtocol: { kind: 'integer', required: true },
  maxProtocol: { kind: 'integer', required: true },
  client: { kind: 'object', required: true, fields: CLIENT },
  role: str(),
  scopes: { kind: 'string[]' },
  caps: { kind: 'string[]' },
  commands: { kind: 'string[]' },
  permissions: { kind: 'object' },
  pathEnv: str(),
  modelCatalog: { kind: 'any' },
  device: { kind: 'object', fields: DEVICE },
  auth: { kind: 'object', fields: AUTH },
  locale: str(),
  userAgent: str(),
  computerUse: { kind: 'any' },
  workerRuns: { kind: 'any' },
};

/** Returns an error message, or undefined when the params are valid. */
export function checkConnectParams(value: unknown): string | undefined {
  const problem = checkObject(value, ROOT, '');
  return problem ? `invalid connect params: ${problem}` : undefined;
}

// Every connect walks these tables: list each one's entries once, not per call.
const ENTRIES = new Map<Record<string, Field>, Array<[string, Field]>>();
function entriesOf(fields: Record<string, Field>): Array<[string, Field]> {
  let entries = ENTRIES.get(fields);
  if (!entries) ENTRIES.set(fields, (entries = Object.entries(fields)));
  return entries;
}

function checkObject(value: unknown, fields: Record<string, Field> | undefined, where: string): string | undefined {
  const at = where === '' ? 'root' : where;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return `at ${at}: must be object`;
  if (!fields) return undefined; // free-form object
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) if (!(key in fields)) return `at ${at}: unexpected property '${key}'`;
  for (const [key, field] of entriesOf(fields)) {
    const v = obj[key];
    if (v === undefined) {
      if (field.required) return `at ${at}: must have required property '${key}'`;
      continue;
    }
    const path = `${where}/${key}`;
    const problem = checkField(v, field, path);
    if (problem) return problem;
  }
  return undefined;
}

function checkField(v: unknown, field: Field, path: string): string | undefined {
  switch (field.kind) {
    case 'any':
      return undefined;
    case 'object':
      return checkObject(v, field.fields, path);
    case 'string':
      if (typeof v !== 'string') return `at ${path}: must be string`;
      if (field.enum && !field.enum.includes(v)) return `at ${path}: must be equal to one of the allowed values`;
      return undefined;
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v) ? undefined : `at ${path}: must be integer`;
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) ? undefined : `at ${path}: must be number`;
    case 'boolean':
      return typeof v === 'boolean' ? undefined : `at ${path}: must be boolean`;
    case 'string[]':
      return Array.isArray(v) && v.every((s) => typeof s === 'string') ? undefined : `at ${path}: must be array of strings`;
  }
}
