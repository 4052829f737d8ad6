// `openclaw dashboard`: where the Control UI is, and (with a display) open it.
import { spawn } from 'node:child_process';
import { EXIT } from '../../lib/errors.js';
import { parseFlags } from '../../lib/args.js';
import { resolvePaths, tildify } from '../../lib/paths.js';
import { resolveTarget } from '../client/target.js';
import { printJson, type Command } from './command.js';

const USAGE = 'dashboard [--no-open] [--json]';

export const command: Command = {
  name: 'dashboard',
  summary: 'Print the Control UI URL (and open it in a browser when a display is available)',
  usage: USAGE,
  help: 'The token is never put in the URL or on a command line; paste it from ~/.openclaw/.env (OPENCLAW_GATEWAY_TOKEN).',
  async run(argv) {
    const { values } = parseFlags(argv, { 'no-open': { type: 'boolean' }, json: { type: 'boolean' }, yes: { type: 'boolean' } }, USAGE, false);
    const target = await resolveTarget({});
    const url = target.url.replace(/^ws/, 'http') + '/';
    const tokenFile = resolvePaths().envFile;
    const hasDisplay = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY) || process.platform === 'darwin';
    const open = !values['no-open'] && hasDisplay;
    if (values.json) printJson({ url, tokenFile, opened: open });
    else process.stdout.write(`Control UI: ${url}\nToken: OPENCLAW_GATEWAY_TOKEN in ${tildify(tokenFile)}\n`);
    if (open) {
      const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
      const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
      child.on('error', () => process.stderr.write(`openclaw: dashboard: could not run ${opener}; open ${url} yourself\n`));
      child.unref();
    }
    return EXIT.OK;
  },
};
