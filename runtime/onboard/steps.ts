// The wizard as data: one entry per question. Each step can settle its answer without asking
// (flags, then what is configured, then a default; `decide`), ask on a terminal (`ask`, where a
// flag still answers its own question), and turn the answer into planned edits of openclaw.json
// and ~/.openclaw/.env (`contribute`). Nothing here writes a file.
import fs from 'node:fs';
import path from 'node:path';
import { OpenclawError } from '../../lib/errors.js';
import { homeDir, tildify } from '../../lib/paths.js';
import { generateToken } from '../../lib/token.js';
import { BUILT_IN_PROVIDERS, splitRef, type WireApi } from '../agent/providers.js';
import type { Edit } from '../config/store.js';
import type { BindMode } from '../config/schema.js';
import { DEFAULT_PORT } from '../gateway/settings.js';
import { checkProvider, type CheckResult } from './check.js';
import { ONBOARD_BINDS, SANDBOX_MODES, type OnboardFlags, type SandboxMode } from './flags.js';
import { at, envRef, envRefName, literalSecret, lookupVar, type Current } from './state.js';
import type { Choice, Prompter } from './tty.js';

export const TOKEN_VAR = 'OPENCLAW_GATEWAY_TOKEN';
export const PASSWORD_VAR = 'OPENCLAW_GATEWAY_PASSWORD';

export type SecretOrigin = 'kept' | 'generated' | 'given' | 'environment' | 'moved';

export interface AuthAnswer {
  mode: 'token' | 'password';
  /** The variable openclaw.json refers to. */
  variable: string;
  /** A value to store in the env file; undefined when it is already where it should be. */
  store?: string;
  origin: SecretOrigin;
}

export interface ProviderAnswer {
  id: string;
  api: WireApi;
  /** Written to models.providers.<id>.baseUrl only when it is not the built-in default. */
  baseUrl: string;
  writeBaseUrl: boolean;
  keyVariable?: string;
  store?: string;
  keyOrigin?: SecretOrigin;
  model: string;
  check?: CheckResult;
}

export interface Answers {
  mode?: 'local';
  bind?: BindMode;
  port?: number;
  auth?: AuthAnswer;
  workspace?: string;
  /** undefined: leave the model configuration as it is. */
  provider?: ProviderAnswer;
  /** undefined: leave agents.defaults.sandbox as it is. */
  sandbox?: SandboxMode;
  installDaemon?: boolean;
}

export interface Plan {
  edits: Edit[];
  env: Record<string, string>;
  /** Why each env entry is written (shown in the summary instead of the value). */
  envWhy: Record<string, string>;
  dirs: string[];
}

export interface Ctx {
  flags: OnboardFlags;
  cur: Current;
  inContainer: boolean;
  hasSystemctl: boolean;
  answers: Answers;
  warnings: string[];
  /** Set when stdin is not a terminal (the reason nothing was asked), for error hints. */
  whyNoPrompt?: string;
}

export interface WizardStep {
  id: string;
  decide(ctx: Ctx): Promise<void> | void;
  ask(ctx: Ctx, ui: Prompter): Promise<void>;
  contribute(ctx: Ctx, plan: Plan): void;
}

export function missing(ctx: Ctx, flag: string, why: string, hint: string): OpenclawError {
  return new OpenclawError(`onboard: missing ${flag}: ${why}`, { exitCode: 2, code: 'MISSING_ANSWER', hint: ctx.whyNoPrompt ? `${hint}; ${ctx.whyNoPrompt}` : hint });
}

const set = (plan: Plan, keyPath: string, value: unknown) => plan.edits.push({ path: keyPath.split('.'), value });
const unset = (plan: Plan, keyPath: string) => plan.edits.push({ path: keyPath.split('.'), unset: true });
const fromFlag = (ui: Prompter, label: string, value: string, flag: string) => ui.say(`  ${label}: ${value} (${flag})`);

// ---------------------------------------------------------------- mode

const mode: WizardStep = {
  id: 'mode',
  decide(ctx) {
    if (ctx.flags.mode) ctx.answers.mode = ctx.flags.mode;
    else if (at(ctx.cur, 'gateway.mode') === 'local') ctx.answers.mode = 'local';
    else throw missing(ctx, '--mode', `${ctx.cur.configExists && !ctx.cur.reset ? `${tildify(ctx.cur.paths.configPath)} does not set gateway.mode` : 'a fresh setup needs the gateway mode'}`, 'pass --mode local');
  },
  async ask(ctx, ui) {
    ctx.answers.mode = 'local';
    ui.say('  Gateway mode: local (the gateway runs on this machine)');
  },
  contribute(_ctx, plan) {
    set(plan, 'gateway.mode', 'local');
  },
};

// ---------------------------------------------------------------- bind

const BIND_CHOICES: Choice<BindMode>[] = [
  { value: 'loopback', label: 'loopback', hint: '127.0.0.1 only: this machine (recommended)' },
  { value: 'lan', label: 'lan', hint: '0.0.0.0: your network can connect; every client needs the token or password' },
  { value: 'auto', label: 'auto', hint: '0.0.0.0 inside a container (for published ports), loopback elsewhere' },
  { value: 'tailnet', label: 'tailnet', hint: 'your Tailscale address' },
];

function currentBind(ctx: Ctx): BindMode | undefined {
  const b = at<string>(ctx.cur, 'gateway.bind');
  return b !== undefined && (ONBOARD_BINDS as readonly string[]).concat('custom').includes(b) ? (b as BindMode) : undefined;
}

const bind: WizardStep = {
  id: 'bind',
  decide(ctx) {
    ctx.answers.bind = ctx.flags.bind ?? currentBind(ctx) ?? 'loopback';
  },
  async ask(ctx, ui) {
    if (ctx.flags.bind) {
      ctx.answers.bind = ctx.flags.bind;
      return fromFlag(ui, 'Bind', ctx.flags.bind, '--gateway-bind');
    }
    const initial = currentBind(ctx) ?? 'loopback';
    ctx.answers.bind = initial === 'custom' ? 'custom' : await ui.select('Where should the gateway listen?', BIND_CHOICES, initial);
    if (ctx.answers.bind !== 'loopback') ui.say('  Note: beyond loopback the gateway refuses to start without a token or password; this setup always configures one.');
  },
  contribute(ctx, plan) {
    set(plan, 'gateway.bind', ctx.answers.bind);
  },
};

// ---------------------------------------------------------------- auth

function configuredTokenVar(ctx: Ctx): string | undefined {
  return envRefName(at(ctx.cur, 'gateway.auth.token'));
}

/** The token as things stand: referenced variable, env file, shell, or a literal to move. */
function existingToken(ctx: Ctx): AuthAnswer | undefined {
  const variable = configuredTokenVar(ctx) ?? TOKEN_VAR;
  const found = lookupVar(ctx.cur, variable);
  if (found) return { mode: 'token', variable, origin: found.from === 'env-file' ? 'kept' : 'environment' };
  const literal = ctx.cur.reset ? undefined : literalSecret(at(ctx.cur, 'gateway.auth.token'));
  if (literal) return { mode: 'token', variable: TOKEN_VAR, store: literal, origin: 'moved' };
  return undefined;
}

function existingPassword(ctx: Ctx): AuthAnswer | undefined {
  const variable = envRefName(at(ctx.cur, 'gateway.auth.password')) ?? PASSWORD_VAR;
  const found = lookupVar(ctx.cur, variable);
  if (found) return { mode: 'password', variable, origin: found.from === 'env-file' ? 'kept' : 'environment' };
  const literal = ctx.cur.reset ? undefined : literalSecret(at(ctx.cur, 'gateway.auth.password'));
  if (literal) return { mode: 'password', variable: PASSWORD_VAR, store: literal, origin: 'moved' };
  return undefined;
}

function tokenFromFlags(ctx: Ctx): AuthAnswer | undefined {
  const { flags, cur } = ctx;
  if (flags.token !== undefined) {
    const same = cur.dotenv.get(TOKEN_VAR) === flags.token;
    return { mode: 'token', variable: TOKEN_VAR, ...(same ? {} : { store: flags.token }), origin: same ? 'kept' : 'given' };
  }
  if (flags.tokenRefEnv !== undefined) {
    const found = lookupVar(cur, flags.tokenRefEnv);
    if (!found) {
      throw new OpenclawError(`onboard: --gateway-token-ref-env ${flags.tokenRefEnv}: ${flags.tokenRefEnv} is not set`, {
        exitCode: 2,
        code: 'MISSING_ANSWER',
        hint: `export ${flags.tokenRefEnv} first, or leave out --gateway-token-ref-env to generate a token in ${tildify(cur.paths.envFile)}`,
      });
    }
    return { mode: 'token', variable: flags.tokenRefEnv, origin: found.from === 'env-file' ? 'kept' : 'environment' };
  }
  return undefined;
}

function authMode(ctx: Ctx): 'token' | 'password' | undefined {
  const { flags } = ctx;
  if (flags.auth === 'token' && flags.password !== undefined) throw new OpenclawError('onboard: --gateway-password needs --gateway-auth password', { exitCode: 2, code: 'USAGE' });
  if (flags.auth === 'password' && (flags.token !== undefined || flags.tokenRefEnv !== undefined)) {
    throw new OpenclawError('onboard: --gateway-token/--gateway-token-ref-env need --gateway-auth token', { exitCode: 2, code: 'USAGE' });
  }
  if (flags.auth) return flags.auth;
  if (flags.password !== undefined) return 'password';
  if (flags.token !== undefined || flags.tokenRefEnv !== undefined) return 'token';
  const configured = at(ctx.cur, 'gateway.auth.mode');
  return configured === 'password' || configured === 'token' ? configured : undefined;
}

function passwordFromFlag(ctx: Ctx): AuthAnswer | undefined {
  if (ctx.flags.password === undefined) return undefined;
  const prev = existingPassword(ctx);
  const same = prev?.origin === 'kept' && ctx.cur.dotenv.get(prev.variable) === ctx.flags.password;
  return { mode: 'password', variable: prev?.variable ?? PASSWORD_VAR, ...(same ? {} : { store: ctx.flags.password }), origin: same ? 'kept' : 'given' };
}

const auth: WizardStep = {
  id: 'auth',
  decide(ctx) {
    if (authMode(ctx) === 'password') {
      const answer = passwordFromFlag(ctx) ?? existingPassword(ctx);
      if (!answer) throw missing(ctx, '--gateway-password', 'password auth needs a password', `pass --gateway-password, or export ${PASSWORD_VAR}`);
      ctx.answers.auth = answer;
      return;
    }
    ctx.answers.auth = tokenFromFlags(ctx) ?? existingToken(ctx) ?? { mode: 'token', variable: configuredTokenVar(ctx) ?? TOKEN_VAR, store: generateToken(), origin: 'generated' };
  },
  async ask(ctx, ui) {
    const flagged = authMode(ctx);
    const m =
      ctx.flags.auth || ctx.flags.password !== undefined || ctx.flags.token !== undefined || ctx.flags.tokenRefEnv !== undefined
        ? flagged!
        : await ui.select(
            'How should clients authenticate?',
            [
              { value: 'token', label: 'token', hint: 'a long random token (recommended)' },
              { value: 'password', label: 'password', hint: 'a password you choose' },
            ],
            flagged ?? 'token',
          );
    const where = tildify(ctx.cur.paths.envFile);
    if (m === 'password') {
      const fromFlag = passwordFromFlag(ctx);
      if (fromFlag) {
        ui.say('  Password: from --gateway-password');
        ctx.answers.auth = fromFlag;
        return;
      }
      const prev = existingPassword(ctx);
      if (prev && (await ui.select('A gateway password is already set', [{ value: 'keep', label: 'keep it' }, { value: 'new', label: 'choose a new one' }], 'keep')) === 'keep') {
        ctx.answers.auth = prev;
        return;
      }
      for (;;) {
        const pw = await ui.secret('Gateway password', { validate: (v) => (v.length < 8 ? 'use at least 8 characters' : /\s/.test(v) ? 'no spaces' : undefined) });
        if ((await ui.secret('Same password again')) === pw) {
          ctx.answers.auth = { mode: 'password', variable: prev?.variable ?? PASSWORD_VAR, store: pw, origin: 'given' };
          return;
        }
        ui.say('  ! the two entries differ; try again');
      }
    }
    const fromFlags = tokenFromFlags(ctx);
    if (fromFlags) {
      ui.say(`  Token: ${ctx.flags.token !== undefined ? 'from --gateway-token' : `from $${ctx.flags.tokenRefEnv}`}`);
      ctx.answers.auth = fromFlags;
      return;
    }
    const prev = existingToken(ctx);
    const choices: Choice<'keep' | 'generate' | 'enter'>[] = [
      ...(prev ? [{ value: 'keep' as const, label: 'keep the current token', hint: prev.origin === 'environment' ? `from $${prev.variable}` : `stored in ${where}` }] : []),
      { value: 'generate', label: prev ? 'generate a new token' : 'generate a token', hint: prev ? 'clients must then use the new one' : `stored in ${where}` },
      { value: 'enter', label: 'enter my own token' },
    ];
    const pick = await ui.select('Gateway token', choices, prev ? 'keep' : 'generate');
    const variable = configuredTokenVar(ctx) ?? TOKEN_VAR;
    if (pick === 'keep') ctx.answers.auth = prev!;
    else if (pick === 'generate') ctx.answers.auth = { mode: 'token', variable, store: generateToken(), origin: 'generated' };
    else {
      const token = await ui.secret('Gateway token', { validate: (v) => (v.length < 16 ? 'use at least 16 characters' : /\s/.test(v) ? 'no spaces' : undefined) });
      ctx.answers.auth = { mode: 'token', variable, store: token, origin: 'given' };
    }
  },
  contribute(ctx, plan) {
    const a = ctx.answers.auth!;
    if (a.store !== undefined) {
      plan.env[a.variable] = a.store;
      plan.envWhy[a.variable] = `gateway ${a.mode}, ${a.origin === 'moved' ? 'moved out of openclaw.json' : a.origin === 'generated' ? 'new, 64 hex characters' : a.origin === 'given' ? 'as given' : a.origin}`;
    }
    set(plan, 'gateway.auth.mode', a.mode);
    set(plan, `gateway.auth.${a.mode}`, envRef(a.variable));
    if (at(ctx.cur, `gateway.auth.${a.mode === 'token' ? 'password' : 'token'}`) !== undefined) unset(plan, `gateway.auth.${a.mode === 'token' ? 'password' : 'token'}`);
    const shellValue = ctx.cur.shell[a.variable];
    if (a.store !== undefined && shellValue && shellValue !== a.store) {
      ctx.warnings.push(`${a.variable} is also set in this shell with a different value, and the environment wins over ${tildify(ctx.cur.paths.envFile)}: unset it (or start the gateway from a clean shell)`);
    }
    if (a.mode === 'token' && a.variable !== TOKEN_VAR && lookupVar(ctx.cur, TOKEN_VAR)) {
      ctx.warnings.push(`${TOKEN_VAR} is set and takes precedence over gateway.auth.token (${a.variable}); remove it to avoid two tokens`);
    }
  },
};

// ---------------------------------------------------------------- port

const port: WizardStep = {
  id: 'port',
  decide(ctx) {
    ctx.answers.port = ctx.flags.port ?? at<number>(ctx.cur, 'gateway.port') ?? DEFAULT_PORT;
  },
  async ask(ctx, ui) {
    if (ctx.flags.port !== undefined) {
      ctx.answers.port = ctx.flags.port;
      return fromFlag(ui, 'Port', String(ctx.flags.port), '--gateway-port');
    }
    const v = await ui.text('Gateway port', {
      initial: String(at<number>(ctx.cur, 'gateway.port') ?? DEFAULT_PORT),
      validate: (s) => (/^\d+$/.test(s) && Number(s) >= 1 && Number(s) <= 65535 ? undefined : 'a whole number from 1 to 65535'),
    });
    ctx.answers.port = Number(v);
  },
  contribute(ctx, plan) {
    set(plan, 'gateway.port', ctx.answers.port);
  },
};

// ---------------------------------------------------------------- workspace

export function expandDir(input: string, env: NodeJS.ProcessEnv): string {
  const home = homeDir(env);
  const p = input === '~' ? home : input.startsWith('~/') ? path.join(home, input.slice(2)) : input;
  return path.resolve(p);
}

function workspaceProblem(dir: string): string | undefined {
  try {
    const st = fs.statSync(dir);
    return st.isDirectory() ? undefined : `${dir} exists and is not a directory`;
  } catch {
    return undefined;
  }
}

const workspace: WizardStep = {
  id: 'workspace',
  decide(ctx) {
    const given = ctx.flags.workspace ?? at<string>(ctx.cur, 'agents.defaults.workspace') ?? ctx.cur.paths.workspaceDir;
    const dir = expandDir(given, process.env);
    const problem = workspaceProblem(dir);
    if (problem) throw new OpenclawError(`onboard: --workspace: ${problem}`, { exitCode: 2, code: 'USAGE', hint: 'choose a directory path' });
    ctx.answers.workspace = dir;
  },
  async ask(ctx, ui) {
    if (ctx.flags.workspace !== undefined) {
      workspace.decide(ctx);
      return fromFlag(ui, 'Workspace', ctx.answers.workspace!, '--workspace');
    }
    const initial = at<string>(ctx.cur, 'agents.defaults.workspace') ?? ctx.cur.paths.workspaceDir;
    const v = await ui.text('Agent workspace directory', { initial: tildify(initial), validate: (s) => workspaceProblem(expandDir(s, process.env)) });
    ctx.answers.workspace = expandDir(v, process.env);
  },
  contribute(ctx, plan) {
    set(plan, 'agents.defaults.workspace', ctx.answers.workspace);
    if (!fs.existsSync(ctx.answers.workspace!)) plan.dirs.push(ctx.answers.workspace!);
  },
};

// ---------------------------------------------------------------- provider

export const DEFAULT_MODELS: Record<string, string> = {
  openai: 'gpt-4.1-mini',
  anthropic: 'claude-sonnet-4-5',
  groq: 'llama-3.3-70b-versatile',
  openrouter: 'openai/gpt-4.1-mini',
  ollama: 'llama3.2',
};

export const CUSTOM = 'custom';

interface ProviderInfo {
  id: string;
  api: WireApi;
  defaultUrl: string | undefined;
  keyVariable: string;
  needsKey: boolean;
}

function providerInfo(id: string): ProviderInfo | undefined {
  if (id === CUSTOM) return { id, api: 'openai-completions', defaultUrl: undefined, keyVariable: 'CUSTOM_API_KEY', needsKey: false };
  const b = BUILT_IN_PROVIDERS[id];
  if (!b) return undefined;
  return { id, api: b.api, defaultUrl: b.baseUrl, keyVariable: b.env[0]!, needsKey: b.local !== true };
}

function configuredProvider(ctx: Ctx, id: string): { baseUrl?: string; apiKey?: unknown } {
  return (at<Record<string, { baseUrl?: string; apiKey?: unknown }>>(ctx.cur, 'models.providers') ?? {})[id] ?? {};
}

function currentModelRef(ctx: Ctx): string | undefined {
  const m = at<unknown>(ctx.cur, 'agents.defaults.model');
  return typeof m === 'string' ? m : typeof m === 'object' && m !== null ? ((m as { primary?: string }).primary ?? undefined) : undefined;
}

function keyAnswer(ctx: Ctx, info: ProviderInfo, variable: string, value: string | undefined): Pick<ProviderAnswer, 'keyVariable' | 'store' | 'keyOrigin'> {
  if (value === undefined) return {};
  const inFile = ctx.cur.dotenv.get(variable);
  if (inFile === value) return { keyVariable: variable, keyOrigin: 'kept' };
  // A key only in the shell is stored, so the gateway (often a service with no shell) has it too.
  return { keyVariable: variable, store: value, keyOrigin: lookupVar(ctx.cur, variable)?.value === value ? 'environment' : 'given' };
}

function pickModel(ctx: Ctx, id: string, check: CheckResult | undefined): string | undefined {
  if (ctx.flags.model) return ctx.flags.model;
  const current = splitRef(currentModelRef(ctx) ?? '');
  if (current?.provider === id) return current.model;
  const listed = check?.models ?? [];
  const preferred = DEFAULT_MODELS[id];
  if (preferred && (listed.length === 0 || listed.includes(preferred))) return preferred;
  return listed[0] ?? preferred;
}

async function runCheck(ctx: Ctx, info: ProviderInfo, baseUrl: string, key: string | undefined, signal?: AbortSignal): Promise<CheckResult | undefined> {
  if (ctx.flags.skipCheck) return undefined;
  return checkProvider(info.api, baseUrl, key, signal ? { signal } : {});
}

const PROVIDER_CHOICES: Choice<string>[] = [
  { value: 'openai', label: 'OpenAI', hint: 'needs an API key' },
  { value: 'anthropic', label: 'Anthropic', hint: 'needs an API key' },
  { value: 'ollama', label: 'Ollama', hint: 'local server, no key' },
  { value: 'lmstudio', label: 'LM Studio', hint: 'local server, no key' },
  { value: CUSTOM, label: 'OpenAI-compatible URL', hint: 'any /v1 server; key optional' },
  { value: 'skip', label: 'Skip for now', hint: 'set agents.defaults.model later' },
];

const provider: WizardStep = {
  id: 'provider',
  async decide(ctx) {
    const id = ctx.flags.provider;
    if (id === undefined || id === 'none' || id === 'skip') return;
    const info = providerInfo(id);
    if (!info) throw new OpenclawError(`onboard: --provider: unknown provider '${id}'`, { exitCode: 2, code: 'USAGE', hint: `use one of ${[...Object.keys(BUILT_IN_PROVIDERS), CUSTOM].join('|')}` });
    const configured = configuredProvider(ctx, id);
    const baseUrl = ctx.flags.baseUrl ?? configured.baseUrl ?? info.defaultUrl;
    if (!baseUrl) throw missing(ctx, '--base-url', 'an OpenAI-compatible provider needs its URL', 'e.g. --base-url http://127.0.0.1:8000/v1');
    const variable = ctx.flags.apiKeyEnv ?? envRefName(configured.apiKey) ?? info.keyVariable;
    const found = lookupVar(ctx.cur, variable);
    if (ctx.flags.apiKeyEnv && !found) {
      throw missing(ctx, `--api-key-env ${variable}`, `${variable} is not set`, `export ${variable}=<your key> first; onboarding stores it in ${tildify(ctx.cur.paths.envFile)}`);
    }
    if (info.needsKey && !found) throw missing(ctx, '--api-key-env', `provider ${id} needs an API key`, `export ${info.keyVariable}=<your key> and pass --api-key-env ${info.keyVariable}`);
    const check = await runCheck(ctx, info, baseUrl, found?.value);
    if (check && !check.ok) ctx.warnings.push(`provider check: ${check.message}`);
    const model = pickModel(ctx, id, check);
    if (!model) {
      const why = check ? (check.ok ? ' and the server listed none' : `, and the check failed: ${check.message}`) : '';
      throw missing(ctx, '--model', `no model named for ${id}${why}`, 'pass --model <name as the server lists it>');
    }
    ctx.answers.provider = { id, api: info.api, baseUrl, writeBaseUrl: baseUrl !== info.defaultUrl, ...keyAnswer(ctx, info, variable, found?.value), model, ...(check ? { check } : {}) };
  },
  async ask(ctx, ui) {
    if (ctx.flags.provider !== undefined) {
      await provider.decide(ctx);
      const p = ctx.answers.provider;
      ui.say(`  Model provider: ${p ? `${p.id}, model ${p.model}` : 'skipped'} (--provider)`);
      if (p?.check) ui.say(`  Check: ${p.check.ok ? 'ok' : 'FAILED'}: ${p.check.message}`);
      return;
    }
    const current = splitRef(currentModelRef(ctx) ?? '')?.provider;
    const id = await ui.select('Model provider for the agent', PROVIDER_CHOICES, current && PROVIDER_CHOICES.some((c) => c.value === current) ? current : 'openai');
    if (id === 'skip') return;
    const info = providerInfo(id)!;
    const configured = configuredProvider(ctx, id);
    let baseUrl = ctx.flags.baseUrl ?? configured.baseUrl ?? info.defaultUrl;
    if (info.defaultUrl === undefined || BUILT_IN_PROVIDERS[id]?.local) {
      baseUrl = await ui.text(id === CUSTOM ? 'Base URL (usually ends in /v1)' : 'Server URL', {
        ...(baseUrl ? { initial: baseUrl } : {}),
        validate: (s) => (/^https?:\/\/[^\s/]+/.test(s) ? undefined : 'an http:// or https:// URL'),
      });
      baseUrl = baseUrl.replace(/\/+$/, '');
    }
    const variable = envRefName(configured.apiKey) ?? info.keyVariable;
    const existing = lookupVar(ctx.cur, variable);
    for (;;) {
      let key: string | undefined = existing?.value;
      if (info.needsKey || id === CUSTOM) {
        const keep = existing
          ? (await ui.select(`An API key is already set (${variable}, ${existing.from === 'env-file' ? tildify(ctx.cur.paths.envFile) : 'environment'})`, [{ value: 'keep', label: 'keep it' }, { value: 'new', label: 'enter a new key' }], 'keep')) === 'keep'
          : false;
        if (!keep) {
          const entered = await ui.secret(`${id === CUSTOM ? 'API key (Enter for none)' : `${PROVIDER_CHOICES.find((c) => c.value === id)!.label} API key`}`, { allowEmpty: !info.needsKey });
          key = entered === '' ? undefined : entered;
        }
      }
      ui.say(`  Checking ${baseUrl} ...`);
      const check = await runCheck(ctx, info, baseUrl!, key, ui.signal);
      if (check) ui.say(`  ${check.ok ? 'ok' : 'FAILED'}: ${check.message}`);
      if (check && !check.ok) {
        const next = await ui.select(
          'The check failed. What now?',
          [
            { value: 'retry', label: info.needsKey || id === CUSTOM ? 'enter the key again' : 'check again' },
            { value: 'keep', label: 'use these settings anyway' },
            { value: 'skip', label: 'skip the model provider for now' },
          ],
          'retry',
        );
        if (next === 'skip') return;
        if (next === 'retry') continue;
      }
      if (check?.models.length) ui.say(`  Models: ${check.models.slice(0, 8).join(', ')}${check.models.length > 8 ? ', ...' : ''}`);
      const suggested = pickModel(ctx, id, check);
      const model = await ui.text('Model', { ...(suggested ? { initial: suggested } : {}) });
      ctx.answers.provider = { id, api: info.api, baseUrl: baseUrl!, writeBaseUrl: baseUrl !== info.defaultUrl, ...keyAnswer(ctx, info, variable, key), model, ...(check ? { check } : {}) };
      return;
    }
  },
  contribute(ctx, plan) {
    const p = ctx.answers.provider;
    if (!p) return;
    if (p.writeBaseUrl) set(plan, `models.providers.${p.id}.baseUrl`, p.baseUrl);
    if (p.id === CUSTOM) set(plan, `models.providers.${p.id}.api`, p.api);
    if (p.keyVariable) set(plan, `models.providers.${p.id}.apiKey`, envRef(p.keyVariable));
    if (p.store !== undefined && p.keyVariable) {
      plan.env[p.keyVariable] = p.store;
      plan.envWhy[p.keyVariable] = `${p.id} API key, ${p.keyOrigin === 'environment' ? 'from the environment' : 'as entered'}`;
    }
    set(plan, 'agents.defaults.model', `${p.id}/${p.model}`);
  },
};

// ---------------------------------------------------------------- sandbox

const sandbox: WizardStep = {
  id: 'sandbox',
  decide(ctx) {
    if (ctx.flags.sandbox) ctx.answers.sandbox = ctx.flags.sandbox;
  },
  async ask(ctx, ui) {
    if (ctx.flags.sandbox) {
      ctx.answers.sandbox = ctx.flags.sandbox;
      return fromFlag(ui, 'Sandbox', ctx.flags.sandbox, '--sandbox');
    }
    const current = at<string>(ctx.cur, 'agents.defaults.sandbox.mode');
    ctx.answers.sandbox = await ui.select<SandboxMode>(
      'Run agent tools in a sandbox container? (needs Docker or Podman)',
      [
        { value: 'off', label: 'off', hint: 'tools run on this machine as you' },
        { value: 'non-main', label: 'non-main', hint: 'sandbox every session except your main chat' },
        { value: 'all', label: 'all', hint: 'sandbox every session' },
      ],
      (SANDBOX_MODES as readonly string[]).includes(current ?? '') ? (current as SandboxMode) : 'off',
    );
  },
  contribute(ctx, plan) {
    if (ctx.answers.sandbox) set(plan, 'agents.defaults.sandbox.mode', ctx.answers.sandbox);
  },
};

// ---------------------------------------------------------------- daemon

const daemon: WizardStep = {
  id: 'daemon',
  decide(ctx) {
    ctx.answers.installDaemon = ctx.flags.installDaemon ?? false;
  },
  async ask(ctx, ui) {
    if (ctx.flags.installDaemon !== undefined) {
      ctx.answers.installDaemon = ctx.flags.installDaemon;
      return fromFlag(ui, 'Service', ctx.flags.installDaemon ? 'install' : 'not installed', ctx.flags.installDaemon ? '--install-daemon' : '--no-install-daemon');
    }
    if (ctx.inContainer || !ctx.hasSystemctl) {
      ctx.answers.installDaemon = false;
      ui.say(`  Service: none (${ctx.inContainer ? 'in a container, run the gateway in the foreground' : 'no systemctl here; run the gateway in the foreground'}: openclaw gateway)`);
      return;
    }
    ctx.answers.installDaemon =
      (await ui.select(
        'Start the gateway as a service?',
        [
          { value: 'yes', label: 'yes', hint: 'systemd user service: starts now and at login' },
          { value: 'no', label: 'no', hint: 'I will run: openclaw gateway' },
        ],
        'yes',
      )) === 'yes';
  },
  contribute() {
    // Not a file edit: the unit is installed after the config is written (see daemon.ts).
  },
};

export const STEPS: readonly WizardStep[] = [mode, bind, auth, port, workspace, provider, sandbox, daemon];
