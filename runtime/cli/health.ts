// `openclaw health`
import { EXIT } from '../../lib/errors.js';
import { parseFlags } from '../../lib/args.js';
import { GatewayClient } from '../client/client.js';
import { resolveTarget, TARGET_OPTIONS, TARGET_USAGE } from '../client/target.js';
import { printJson, type Command } from './command.js';

const USAGE = `health ${TARGET_USAGE} [--json]`;

export const command: Command = {
  name: 'health',
  summary: 'Ask the running gateway for its health over the WebSocket protocol',
  usage: USAGE,
  help: 'Connects to the local gateway (or --url) with the token from OPENCLAW_GATEWAY_TOKEN or ~/.openclaw/.env.\nExits 1 when the gateway cannot be reached or refuses the credentials.',
  async run(argv) {
    const { values } = parseFlags(argv, { ...TARGET_OPTIONS, json: { type: 'boolean' } }, USAGE, false);
    const target = await resolveTarget(values);
    const client = await GatewayClient.connect(target);
    try {
      const health = (await client.request('health', undefined, target.timeoutMs)) as Record<string, unknown>;
      if (values.json) printJson(health);
      else process.stdout.write(`Gateway: ${health.ok ? 'healthy' : 'unhealthy'} (v${health.version}, ${health.phase}, up ${Math.round(Number(health.uptimeMs) / 1000)} s) at ${target.url}\n`);
      return health.ok ? EXIT.OK : EXIT.FAILURE;
    } finally {
      await client.close();
    }
  },
};
