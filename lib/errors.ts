// Errors the user is meant to read. Every expected failure is an OpenclawError: it carries the exit
// code and the next step, and is printed as one line, never as a stack trace.

export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  // sysexits EX_CONFIG: systemd units use RestartPreventExitStatus=78 so a bad config does not loop.
  CONFIG: 78,
} as const;

export interface ErrorOptions {
  exitCode?: number;
  /** The next thing to run or change, shown in parentheses. */
  hint?: string;
  /** A stable machine-readable code (for --json output and tests). */
  code?: string;
  cause?: unknown;
}

export class OpenclawError extends Error {
  readonly exitCode: number;
  readonly hint: string | undefined;
  readonly code: string;

  constructor(message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OpenclawError';
    this.exitCode = options.exitCode ?? EXIT.FAILURE;
    this.hint = options.hint;
    this.code = options.code ?? 'FAILED';
  }
}

export class UsageError extends OpenclawError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: EXIT.USAGE, code: 'USAGE', ...(hint ? { hint } : {}) });
    this.name = 'UsageError';
  }
}

/** `openclaw: <what failed>: <why> (<next step>)` */
export function formatError(err: unknown): string {
  if (err instanceof OpenclawError) {
    return `openclaw: ${err.message}${err.hint ? ` (${err.hint})` : ''}`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return `openclaw: unexpected error: ${message} (re-run with OPENCLAW_DEBUG=1 for a stack trace)`;
}

export function exitCodeOf(err: unknown): number {
  return err instanceof OpenclawError ? err.exitCode : EXIT.FAILURE;
}
