// Turn a configured secret (a literal or a SecretRef) into its value.
import fs from 'node:fs';
import { EXIT, OpenclawError } from '../../lib/errors.js';
import type { SecretRef } from '../config/schema.js';

export function resolveSecret(value: string | SecretRef | undefined, keyPath: string, env: Record<string, string | undefined>): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string') return value;
  const fail = (why: string, hint: string): never => {
    throw new OpenclawError(`config: ${keyPath}: ${why}`, { exitCode: EXIT.CONFIG, hint });
  };
  switch (value.source) {
    case 'env': {
      const v = env[value.id!];
      return v === undefined || v === '' ? fail(`environment variable ${value.id} is not set`, `set ${value.id} in the environment or in ~/.openclaw/.env`) : v;
    }
    case 'file': {
      try {
        return fs.readFileSync(value.id!, 'utf8').replace(/\r?\n$/, '');
      } catch (err) {
        return fail(`cannot read secret file ${value.id}: ${(err as NodeJS.ErrnoException).code}`, 'check the path and that the gateway user can read it');
      }
    }
    default:
      return fail(`secret source '${value.source}' is not supported`, 'use source "env" or "file"');
  }
}
