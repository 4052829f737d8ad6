// `openclaw config get|set|unset|file|validate`: edits ~/.openclaw/openclaw.json directly (no
// running gateway needed); a running gateway notices the change and reloads it.
import { promises as fs } from 'node:fs';
import { loadJson5 } from '../../lib/cjs.js';

const JSON5 = loadJson5();
import { EXIT, OpenclawError, UsageError } from '../../lib/errors.js';
import { parseFlags } from '../../lib/args.js';
import { resolvePaths, tildify } from '../../lib/paths.js';
import { ConfigError, loadConfig, parseJson5 } from '../config/load.js';
import { getAt, parseKeyPath } from '../config/keypath.js';
import { applyEdits, redactConfig, writeConfig, type Edit } from '../config/store.js';
import { formatPath, nodeAt } from '../config/schema-dsl.js';
import { configSchema } from '../config/schema.js';
import { helpText, printJson, wantsHelp, type Command } from './command.js';

const USAGE = 'config get [PATH] [--json] | set PATH VALUE [--strict-json] [--dry-run] | set --batch-json JSON [--dry-run] | set --batch-file FILE | unset PATH [--dry-run] | file | validate [--json]';

const MAX_BATCH_BYTES = 8 * 1024 * 1024;

export const command: Command = {
  name: 'config',
  summary: 'Read and change openclaw.json (validated, atomic, secrets redacted)',
  usage: USAGE,
  help: `
Paths use dots and [index]: gateway.bind, gateway.controlUi.allowedOrigins[0].
Values are parsed as JSON5 (so 18789, true, ["a"] and {a:1} work) and fall back to a plain string
unless --strict-json is given. Every write is validated first, written atomically with mode 0600,
and the previous file is kept as openclaw.json.bak.

Examples:
  openclaw config set gateway.mode local
  openclaw config set --batch-json '[{"path":"gateway.mode","value":"local"},{"path":"gateway.bind","value":"lan"}]'
  openclaw config get gateway --json
  openclaw config unset gateway.port --dry-run`,
  async run(argv) {
    const [verb, ...rest] = argv;
    if (verb === undefined || wantsHelp(argv)) {
      process.stdout.write(helpText(command));
      return verb === undefined ? EXIT.USAGE : EXIT.OK;
    }
    switch (verb) {
      case 'get':
        return get(rest);
      case 'set':
        return set(rest);
      case 'unset':
        return unset(rest);
      case 'file':
        process.stdout.write(resolvePaths().configPath + '\n');
        return EXIT.OK;
      case 'validate':
        return validateCmd(rest);
      default:
        throw new UsageError(`config: unknown subcommand '${verb}'`, 'use get, set, unset, file or validate');
    }
  },
};

async function readRaw(): Promise<{ path: string; raw: Record<string, unknown>; exists: boolean }> {
  const file = resolvePaths().configPath;
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { path: file, raw: {}, exists: false };
    throw new ConfigError(file, [`${file}: cannot read: ${(err as NodeJS.ErrnoException).code}`]);
  }
  return { path: file, raw: parseJson5(file, text), exists: true };
}

async function get(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { json: { type: 'boolean' } }, 'config get [PATH] [--json]');
  if (positionals.length > 1) throw new UsageError('config get takes one PATH');
  const { raw } = await readRaw();
  const keyPath = positionals[0] === undefined ? [] : parseKeyPath(positionals[0]);
  if (keyPath.length > 0 && !nodeAt(configSchema, keyPath)) throw new UsageError(`config get: unknown key ${formatPath(keyPath)}`, 'see the schema keys with: openclaw config get --json');
  const value = getAt(redactConfig(raw), keyPath);
  if (value === undefined) {
    process.stderr.write(`openclaw: config: ${formatPath(keyPath)} is valid but unset; the runtime default applies\n`);
    return EXIT.FAILURE;
  }
  if (values.json || typeof value === 'object') printJson(value);
  else process.stdout.write(`${String(value)}\n`);
  return EXIT.OK;
}

function parseValue(text: string, strict: boolean, flag: string): unknown {
  try {
    return JSON5.parse(text);
  } catch {
    if (strict) throw new UsageError(`${flag}: '${text}' is not valid JSON5 (--strict-json)`, 'quote strings, e.g. \'"local"\'');
    return text;
  }
}

interface BatchEntry {
  path: string;
  value?: unknown;
  unset?: boolean;
}

function parseBatch(text: string, source: string): Edit[] {
  let list: unknown;
  try {
    list = JSON5.parse(text);
  } catch (err) {
    throw new UsageError(`${source}: not valid JSON: ${(err as Error).message.replace(/^JSON5: /, '')}`);
  }
  if (!Array.isArray(list) || list.length === 0) throw new UsageError(`${source}: expected a non-empty array of {"path": ..., "value": ...}`);
  return list.map((entry: unknown, i) => {
    const e = entry as BatchEntry;
    if (e === null || typeof e !== 'object' || typeof e.path !== 'string') throw new UsageError(`${source}[${i}]: must be an object with a string "path"`);
    for (const key of Object.keys(e)) if (!['path', 'value', 'unset'].includes(key)) throw new UsageError(`${source}[${i}]: unexpected property '${key}'`);
    if (!('value' in e) && e.unset !== true) throw new UsageError(`${source}[${i}] (${e.path}): needs "value" (or "unset": true)`);
    return { path: parseKeyPath(e.path), ...(e.unset ? { unset: true } : { value: e.value }) };
  });
}

async function set(argv: string[]): Promise<number> {
  const usage = 'config set PATH VALUE [--strict-json] [--dry-run] | set --batch-json JSON | set --batch-file FILE';
  const { values, positionals } = parseFlags(
    argv,
    { 'strict-json': { type: 'boolean' }, json: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, 'batch-json': { type: 'string' }, 'batch-file': { type: 'string' } },
    usage,
  );
  const strict = values['strict-json'] === true || values.json === true;
  let edits: Edit[];
  if (values['batch-json'] !== undefined || values['batch-file'] !== undefined) {
    if (positionals.length > 0) throw new UsageError('config set: give either PATH VALUE or --batch-json/--batch-file, not both');
    if (values['batch-json'] !== undefined && values['batch-file'] !== undefined) throw new UsageError('config set: --batch-json and --batch-file are exclusive');
    let text = values['batch-json'];
    if (text === undefined) {
      const file = values['batch-file']!;
      const st = await fs.stat(file).catch(() => undefined);
      if (!st) throw new UsageError(`--batch-file: cannot read ${file}`);
      if (st.size > MAX_BATCH_BYTES) throw new UsageError(`--batch-file: ${file} is larger than 8 MiB`);
      text = await fs.readFile(file, 'utf8');
    }
    edits = parseBatch(text, values['batch-json'] !== undefined ? '--batch-json' : '--batch-file');
  } else {
    if (positionals.length !== 2) throw new UsageError(`config set: expected PATH and VALUE, got ${positionals.length} argument(s)`, `usage: openclaw ${usage}`);
    edits = [{ path: parseKeyPath(positionals[0]!), value: parseValue(positionals[1]!, strict, 'config set') }];
  }
  return write(edits, values['dry-run'] === true);
}

async function unset(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { 'dry-run': { type: 'boolean' } }, 'config unset PATH [--dry-run]');
  if (positionals.length !== 1) throw new UsageError('config unset: expected one PATH');
  return write([{ path: parseKeyPath(positionals[0]!), unset: true }], values['dry-run'] === true);
}

async function write(edits: Edit[], dryRun: boolean): Promise<number> {
  const { path: file, raw } = await readRaw();
  for (const edit of edits) {
    if (!nodeAt(configSchema, edit.path)) {
      throw new ConfigError(file, [`${formatPath(edit.path)}: unknown key`], 'nothing was written; check the spelling');
    }
  }
  const next = applyEdits(raw, edits);
  await writeConfig(file, next, { dryRun });
  const shownConfig = redactConfig(next);
  const word = dryRun ? 'would' : 'changed';
  for (const edit of edits) {
    const what = edit.unset ? `unset ${formatPath(edit.path)}` : `set ${formatPath(edit.path)} = ${JSON.stringify(getAt(shownConfig, edit.path))}`;
    process.stdout.write(`${word}  ${what}\n`);
  }
  process.stdout.write(dryRun ? `(dry run: ${tildify(file)} not written)\n` : `wrote ${tildify(file)}\n`);
  return EXIT.OK;
}

async function validateCmd(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { json: { type: 'boolean' } }, 'config validate [--json]', false);
  const file = resolvePaths().configPath;
  try {
    const loaded = await loadConfig(file);
    if (values.json) printJson({ valid: true, path: file, exists: loaded.exists, issues: [] });
    else process.stdout.write(loaded.exists ? `ok  ${tildify(file)} is valid\n` : `ok  ${tildify(file)} does not exist (defaults apply)\n`);
    return EXIT.OK;
  } catch (err) {
    if (!(err instanceof OpenclawError)) throw err;
    const issues = err instanceof ConfigError ? err.problems : [err.message];
    if (values.json) printJson({ valid: false, path: file, issues });
    else process.stderr.write(issues.map((i) => `openclaw: config: ${i}`).join('\n') + '\n');
    return EXIT.CONFIG;
  }
}
