// Every `openclaw <name>` is one module exporting a Command. Help text lives only here.
export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Extended help after the usage line. */
  help?: string;
  run(argv: string[]): Promise<number>;
}

export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

export function helpText(cmd: Command): string {
  return `Usage: openclaw ${cmd.usage}\n\n${cmd.summary}\n${cmd.help ? `\n${cmd.help.trim()}\n` : ''}`;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
