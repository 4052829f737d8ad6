import { nodeCrypto } from './cjs.js';

/** 32 random bytes as 64 lowercase hex characters, the format every OpenClaw path uses. */
export function generateToken(): string {
  return nodeCrypto().randomBytes(32).toString('hex');
}
