// The two ends every setup script shares: report a failure as one line (stack only with
// OPENCLAW_DEBUG=1) and run main() when the file is executed rather than imported by a test.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitCodeOf, formatError } from '../errors.js';

export function reportFailure(err: unknown, env: NodeJS.ProcessEnv = process.env): number {
  process.stderr.write(formatError(err) + '\n');
  if (env.OPENCLAW_DEBUG === '1' && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return exitCodeOf(err);
}

export async function runIfMain(moduleUrl: string, main: (argv: string[]) => Promise<number>): Promise<void> {
  if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(moduleUrl)) {
    process.exitCode = await main(process.argv.slice(2));
  }
}
