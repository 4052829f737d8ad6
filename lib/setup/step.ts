// Idempotent setup steps: check → plan → apply, the one place where --dry-run lives.
//
// A step's check() is read-only and answers with what is already in place (`ok`) and/or the actions
// still missing. runSteps() prints `ok  <what>` for a step with nothing to do, `would  <action>` for
// each action under --dry-run, and otherwise applies them (`changed  <action>`) and checks again, so
// a step that claims success but left things as they were fails loudly. Steps never test dryRun.
import { OpenclawError } from '../errors.js';

export interface Action {
  /** One line: the exact command or file write, never a secret. */
  text: string;
  apply(): Promise<void>;
}

export interface Outcome {
  /** What is already correct (printed as `ok  <text>` when there are no actions). */
  ok?: string;
  /** What is missing, in order. */
  actions?: Action[];
  /** Printed as `warn  <text>`; the run goes on. */
  warnings?: string[];
}

export interface Step<C> {
  /** Short name used in error messages: `openclaw: <name>: ...`. */
  name: string;
  check(ctx: C): Promise<Outcome>;
  /** Check again after applying (default true). Off for actions that cannot be observed here. */
  verify?: boolean;
  /** Skip the step for this context (e.g. Quadlet-only steps in --container mode). */
  when?(ctx: C): boolean;
}

export interface RunOptions {
  dryRun: boolean;
  /** Where result lines go (default: stderr; stdout is kept for data). */
  out?: (line: string) => void;
}

export interface Summary {
  ok: number;
  changed: number;
  would: number;
  warnings: number;
}

export const say = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

export async function runSteps<C>(steps: readonly Step<C>[], ctx: C, options: RunOptions): Promise<Summary> {
  const out = options.out ?? say;
  const summary: Summary = { ok: 0, changed: 0, would: 0, warnings: 0 };
  for (const step of steps) {
    if (step.when && !step.when(ctx)) continue;
    const outcome = await step.check(ctx);
    for (const w of outcome.warnings ?? []) {
      out(`warn  ${w}`);
      summary.warnings++;
    }
    const actions = outcome.actions ?? [];
    if (actions.length === 0) {
      if (outcome.ok !== undefined) {
        out(`ok  ${outcome.ok}`);
        summary.ok++;
      }
      continue;
    }
    if (options.dryRun) {
      for (const a of actions) out(`would  ${a.text}`);
      summary.would += actions.length;
      continue;
    }
    for (const a of actions) {
      await a.apply();
      out(`changed  ${a.text}`);
      summary.changed++;
    }
    if (step.verify !== false) {
      const again = await step.check(ctx);
      if ((again.actions ?? []).length > 0) {
        throw new OpenclawError(`${step.name}: still not in place after applying the changes above`, {
          hint: `left to do: ${again.actions!.map((a) => a.text).join('; ')}`,
        });
      }
    }
  }
  return summary;
}

/** An action that is a plain function (file writes through the owner, in-process checks). */
export function action(text: string, apply: () => Promise<void>): Action {
  return { text, apply };
}
