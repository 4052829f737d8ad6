// Commands for setup steps: argv arrays only (zx quotes every element), quiet, with failures turned
// into one-line OpenclawErrors that name the command, its exit code and zx's meaning for it.
import { $, Fail, ProcessOutput, quote, type ProcessPromise } from 'zx';
import { OpenclawError } from '../errors.js';
import type { Action } from './step.js';

export interface ExecOptions {
  env?: NodeJS.ProcessEnv;
  /** stdin: a string (never shown in messages) or another running command. */
  input?: string | ProcessPromise;
  cwd?: string;
  timeoutMs?: number;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The argv as one shell-quoted line, for `would` lines and errors. */
export function describe(argv: readonly string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : /^[^'\x00-\x1f\x7f]*$/.test(a) ? `'${a}'` : quote(a))).join(' ');
}

function start(argv: readonly string[], opts: ExecOptions): ProcessPromise {
  if (argv.length === 0) throw new OpenclawError('internal: empty command');
  return $({
    quiet: true,
    nothrow: true,
    cwd: opts.cwd ?? '/',
    env: opts.env ?? process.env,
    ...(opts.input === undefined ? {} : { input: opts.input }),
    ...(opts.timeoutMs === undefined ? {} : { timeout: `${opts.timeoutMs}ms` as const }),
  })`${argv}`;
}

/** Start a command without waiting (to pipe into another one's input). */
export function spawnCommand(argv: readonly string[], opts: ExecOptions = {}): ProcessPromise {
  return start(argv, opts);
}

/** Run and return the exit code and output; a non-zero exit is an answer, not an error. */
export async function probe(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const p: ProcessOutput = await start(argv, opts);
  return { code: p.exitCode ?? 128, stdout: p.stdout, stderr: p.stderr };
}

export function exitMeaning(code: number): string {
  const info = Fail.getExitCodeInfo(code);
  return info ? `exit ${code} (${info})` : `exit ${code}`;
}

/** Run; throw `<label> failed: exit N (meaning): <last stderr line>` on a non-zero exit. */
export async function mustRun(argv: readonly string[], opts: ExecOptions & { label?: string; hint?: string } = {}): Promise<ExecResult> {
  const r = await probe(argv, opts);
  if (r.code !== 0) {
    const last = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ');
    throw new OpenclawError(`${opts.label ?? describe(argv)} failed: ${exitMeaning(r.code)}${last ? `: ${last}` : ''}`, {
      hint: opts.hint ?? `run it by hand to see the full output: ${describe(argv)}`,
    });
  }
  return r;
}

/** An Action that runs argv; `text` defaults to the quoted argv. */
export function commandAction(argv: readonly string[], opts: ExecOptions & { text?: string; hint?: string } = {}): Action {
  return {
    text: opts.text ?? describe(argv),
    async apply() {
      await mustRun(argv, opts);
    },
  };
}
