import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The package version; read once from package.json beside dist/. */
export function version(): string {
  if (cached === undefined) {
    try {
      const pkg = JSON.parse(fs.readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version?: string };
      cached = pkg.version ?? '0.0.0';
    } catch {
      cached = '0.0.0';
    }
  }
  return cached;
}
