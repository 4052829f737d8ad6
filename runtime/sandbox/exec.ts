// Per-call exec: the fallback when the persistent channel cannot run (no bash in the image). Same
// contract as the channel: separate capped streams, exit status, and a timeout that kills every
// process of the run inside the container (found by the OPENCLAW_EXEC_ID marker), not just the CLI.
import { randomBytes } from 'node:crypto';
import { abortedResult, DEFAULT_MAX_OUTPUT, DEFAULT_TIMEOUT_MS, signalOf, type ExecRequest, type ExecResult } from './channel.js';
import { runEngine, SandboxError, type Engine } from './engine.js';
import { filterEnv } from './env.js';

// Find every process of the run first, stop them all, then kill them all. Killing each as it is
// found let a parent shell run on between two kills (its child gone, itself not yet reached) and
// print what comes after the command that timed out; a stopped process runs nothing more.
const KILL_SCRIPT =
  'pids=; for p in /proc/[0-9]*; do if grep -qxz "OPENCLAW_EXEC_ID=$1" "$p/environ" 2>/dev/null; then pids="$pids ${p#/proc/}"; fi; done; ' +
  'if [ -n "$pids" ]; then kill -STOP $pids 2>/dev/null; kill -KILL $pids 2>/dev/null; fi; true';

export async function killMarked(engine: Engine, container: string, id: string): Promise<void> {
  for (let i = 0; i < 3; i++) await runEngine(engine, ['exec', container, '/bin/sh', '-c', KILL_SCRIPT, 'openclaw-kill', id], { timeoutMs: 30_000 }).catch(() => undefined);
}

export async function execPerCall(engine: Engine, container: string, req: ExecRequest): Promise<ExecResult> {
  if (req.signal?.aborted) return abortedResult('exec'); // no 'abort' event will come: never start it
  const id = randomBytes(8).toString('hex');
  const args = ['exec', '-i', '-e', `OPENCLAW_EXEC_ID=${id}`];
  if (req.cwd) args.push('--workdir', req.cwd);
  for (const [k, v] of Object.entries(filterEnv(req.env ?? {}).env)) args.push('-e', `${k}=${v}`);
  args.push(container, '/bin/sh', '-c', req.command);
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const t0 = performance.now();
  const ac = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void killMarked(engine, container, id);
  }, timeoutMs);
  const onAbort = () => {
    timedOut = true;
    void killMarked(engine, container, id);
  };
  req.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const r = await runEngine(engine, args, { timeoutMs: timeoutMs + 30_000, signal: ac.signal, input: req.stdin ?? '', maxOutputBytes: req.maxOutputBytes ?? DEFAULT_MAX_OUTPUT });
    if (r.code === 125 || (r.code === 126 && /OCI runtime|no such container|is not running/i.test(r.stderr))) {
      throw new SandboxError(`exec in ${container} failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`, { exitCode: r.code, stderr: r.stderr });
    }
    const rc = r.code ?? 137;
    return { exitCode: rc, signal: signalOf(rc), stdout: r.stdout, stderr: r.stderr, timedOut, truncated: r.truncated, durationMs: performance.now() - t0, via: 'exec' };
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', onAbort);
  }
}
