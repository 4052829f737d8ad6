import { randomBytes } from 'node:crypto';

/** 32 random bytes as 64 lowercase hex characters, the format every OpenClaw path uses. */
export function generateToken(): string {
  return randomBytes(32).toString('hex');
}
