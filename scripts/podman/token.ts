// OPENCLAW_GATEWAY_TOKEN: 32 random bytes as 64 lowercase hex, from openssl, else python3, else od
// reading /dev/urandom (the same chain as the launcher). The token only ever travels through
// stdout and stdin, never argv.
import { OpenclawError } from '../../lib/errors.js';
import { probe } from '../../lib/setup/exec.js';

const SOURCES: ReadonlyArray<readonly string[]> = [
  ['openssl', 'rand', '-hex', '32'],
  ['python3', '-c', 'import secrets; print(secrets.token_hex(32))'],
  ['sh', '-c', 'od -An -N32 -tx1 /dev/urandom | tr -d " \\n"'],
];

export const TOKEN_RE = /^[0-9a-f]{64}$/;

export async function generateToken(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  for (const argv of SOURCES) {
    const r = await probe(argv, { env });
    const token = r.stdout.trim();
    if (r.code === 0 && TOKEN_RE.test(token)) return token;
  }
  throw new OpenclawError('Missing dependency: need openssl or python3 (or od) to generate OPENCLAW_GATEWAY_TOKEN', {
    hint: 'install openssl (apt-get install openssl), then re-run setup',
  });
}
