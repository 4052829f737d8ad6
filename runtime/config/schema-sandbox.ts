// `agents.defaults.sandbox` and `agents.list[].sandbox` / `agents.entries.<id>.sandbox`: the agent
// sandbox (see runtime/sandbox/). Types only; what a value is allowed to *mean* (no host network,
// no engine socket binds...) is checked in runtime/sandbox/validate.ts so the refusal can name the
// fix, and `config validate` reports it through the same code.
import { array, boolean, integer, number, object, oneOf, opaque, record, string, union, type Infer } from './schema-dsl.js';

const sizeOrNumber = union(string({ pattern: /^\d+(\.\d+)?[bkmgBKMG]?$/, patternHint: 'a size such as 512m or 1g' }), integer(-1));
const ulimit = union(union(integer(-1), string({ pattern: /^\d+(:\d+)?$/, patternHint: 'N or soft:hard' })), object({ soft: integer(-1), hard: integer(-1) }));

export const sandboxDockerSchema = object({
  image: string({ minLength: 1 }),
  containerPrefix: string({ pattern: /^[a-z0-9][a-z0-9_.-]{0,23}$/, patternHint: 'a short lowercase name prefix' }),
  workdir: string({ pattern: /^\//, patternHint: 'an absolute container path' }),
  readOnlyRoot: boolean(),
  tmpfs: array(string({ pattern: /^\/\S*$/, patternHint: 'an absolute container path, optionally :options' })),
  network: string({ minLength: 1 }),
  user: string({ pattern: /^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?$/, patternHint: 'uid[:gid] or name[:group]' }),
  capDrop: array(string({ minLength: 1 })),
  env: record(string()),
  setupCommand: string(),
  pidsLimit: integer(0),
  memory: sizeOrNumber,
  memorySwap: sizeOrNumber,
  cpus: number({ min: 0 }),
  ulimits: record(ulimit),
  seccompProfile: string({ minLength: 1 }),
  apparmorProfile: string({ minLength: 1 }),
  dns: array(string()),
  extraHosts: array(string({ minLength: 1 })),
  binds: array(string({ minLength: 1 })),
  gpus: string(),
  dangerouslyAllowContainerNamespaceJoin: boolean(),
  dangerouslyAllowExternalBindSources: boolean(),
  dangerouslyAllowReservedContainerTargets: boolean(),
});

export const sandboxPruneSchema = object({ idleHours: number({ min: 0 }), maxAgeDays: number({ min: 0 }) });

export const sandboxSchema = object({
  mode: oneOf('off', 'non-main', 'all'),
  backend: oneOf('docker', 'podman'),
  scope: oneOf('session', 'agent', 'shared'),
  /** Legacy: true = scope session, false = scope shared. */
  perSession: boolean(),
  workspaceAccess: oneOf('none', 'ro', 'rw'),
  workspaceRoot: string({ minLength: 1 }),
  /**
   * When the gateway itself runs in a container and talks to the host engine: the host path of the
   * gateway's state dir (bind sources must be host paths; see the README, "Sandbox").
   */
  hostStateDir: string({ pattern: /^\//, patternHint: 'an absolute host path' }),
  hostWorkspaceDir: string({ pattern: /^\//, patternHint: 'an absolute host path' }),
  docker: sandboxDockerSchema,
  prune: sandboxPruneSchema,
  browser: opaque(),
  ssh: opaque(),
  sessionToolsVisibility: opaque(),
});

export type SandboxConfig = Infer<typeof sandboxSchema>;
export type SandboxDockerConfig = Infer<typeof sandboxDockerSchema>;
