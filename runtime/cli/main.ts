// `openclaw <command> [args]`: load ~/.openclaw/.env (process env wins), then hand off to the one
// module that implements the command. Modules load lazily so `openclaw --version` stays instant.
import { exitCodeOf, formatError, EXIT, UsageError } from '../../lib/errors.js';
import { applyDotenv, readDotenvSync } from '../../lib/dotenv.js';
import { resolvePaths } from '../../lib/paths.js';
import { version } from '../version.js';
import { helpText, wantsHelp, type Command } from './command.js';

const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  gateway: () => import('./gateway.js'),
  health: () => import('./health.js'),
  devices: () => import('./devices.js'),
  status: () => import('./status.js'),
  config: () => import('./config.js'),
  dashboard: () => import('./dashboard.js'),
  doctor: () => import('./doctor.js'),
  agent: () => import('./agent.js'),
  sandbox: () => import('./sandbox.js'),
  onboard: () => import('./onboard.js'),
  setup: () => import('./onboard.js'),
};

async function listCommands(): Promise<string> {
  const rows = await Promise.all(Object.entries(COMMANDS).map(async ([name, load]) => `  ${name.padEnd(11)}${(await load()).command.summary}`));
  return `Usage: openclaw <command> [options]\n\nCommands:\n${rows.join('\n')}\n  help       Show help for a command\n\nRun 'openclaw <command> --help' for a command's options. 'openclaw --version' prints the version.\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === '--version' || name === '-V' || name === 'version') {
      process.stdout.write(`${version()}\n`);
      return EXIT.OK;
    }
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      const topic = name === 'help' ? rest[0] : undefined;
      const load = topic ? COMMANDS[topic] : undefined;
      if (topic && !load) throw unknownCommand(topic);
      process.stdout.write(load ? helpText((await load()).command) : await listCommands());
      return name === undefined ? EXIT.USAGE : EXIT.OK;
    }
    const load = COMMANDS[name];
    if (!load) throw unknownCommand(name);
    const { command } = await load();
    if (wantsHelp(rest) && !(name === 'config' || name === 'gateway')) {
      process.stdout.write(helpText(command));
      return EXIT.OK;
    }
    applyDotenv(readDotenvSync(resolvePaths().envFile));
    return await command.run(rest);
  } catch (err) {
    process.stderr.write(formatError(err) + '\n');
    if (process.env.OPENCLAW_DEBUG === '1' && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return exitCodeOf(err);
  }
}

function unknownCommand(name: string): Error {
  return new UsageError(`unknown command '${name}'`, 'run: openclaw help');
}
