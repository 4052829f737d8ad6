// One line per event: `level event key=value …` to stderr (journald and `docker logs` add the time),
// and the same event as a JSON line in a size-rotated file under the state dir. Secrets never appear:
// fields with secret-looking names are dropped to "[redacted]", and registered secret values are
// masked wherever they occur.
import fs from 'node:fs';
import path from 'node:path';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /token|password|secret|authorization|api[-_]?key|cookie/i;
export type Fields = Record<string, unknown>;

export interface LoggerOptions {
  level?: Level;
  /** Rolling JSON-lines file; omitted = stderr only. */
  file?: string;
  maxFileBytes?: number;
  keepFiles?: number;
  stderr?: (line: string) => void;
}

export class Logger {
  private level: Level;
  private readonly secrets = new Set<string>();
  private readonly file: string | undefined;
  private readonly maxFileBytes: number;
  private readonly keepFiles: number;
  private fd: number | undefined;
  private fileBytes = 0;
  private readonly writeStderr: (line: string) => void;

  constructor(options: LoggerOptions = {}) {
    this.level = options.level ?? 'info';
    this.file = options.file;
    this.maxFileBytes = options.maxFileBytes ?? 5 * 1024 * 1024;
    this.keepFiles = options.keepFiles ?? 3;
    this.writeStderr = options.stderr ?? ((line) => process.stderr.write(line + '\n'));
    if (this.file) this.openFile();
  }

  setLevel(level: Level): void {
    this.level = level;
  }

  /** Mask this value in every later line (tokens, passwords). */
  addSecret(value: string | undefined): void {
    if (value && value.length >= 4) this.secrets.add(value);
  }

  get filePath(): string | undefined {
    return this.file;
  }

  debug(event: string, fields?: Fields): void { this.log('debug', event, fields); }
  info(event: string, fields?: Fields): void { this.log('info', event, fields); }
  warn(event: string, fields?: Fields): void { this.log('warn', event, fields); }
  error(event: string, fields?: Fields): void { this.log('error', event, fields); }

  log(level: Level, event: string, fields: Fields = {}): void {
    if (RANK[level] < RANK[this.level]) return;
    const clean = this.clean(fields);
    this.writeStderr(this.mask(`${level} ${event}${formatFields(clean)}`));
    if (this.fd !== undefined) {
      const line = this.mask(JSON.stringify({ time: new Date().toISOString(), level, event, ...clean })) + '\n';
      this.appendFile(line);
    }
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private clean(fields: Fields): Fields {
    const out: Fields = {};
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      out[key] = SECRET_KEY.test(key) ? '[redacted]' : value instanceof Error ? value.message : value;
    }
    return out;
  }

  private mask(line: string): string {
    for (const secret of this.secrets) {
      if (line.includes(secret)) line = line.split(secret).join('***');
    }
    return line;
  }

  private openFile(): void {
    const file = this.file!;
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    this.fd = fs.openSync(file, 'a', 0o600);
    this.fileBytes = fs.fstatSync(this.fd).size;
  }

  private appendFile(line: string): void {
    try {
      if (this.fileBytes + line.length > this.maxFileBytes) this.rotate();
      fs.writeSync(this.fd!, line);
      this.fileBytes += Buffer.byteLength(line);
    } catch (err) {
      // A full disk must not take the gateway down; say so once on stderr and stop file logging.
      this.writeStderr(`warn log.file_disabled file=${this.file} reason=${JSON.stringify((err as Error).message)}`);
      this.close();
    }
  }

  private rotate(): void {
    const file = this.file!;
    fs.closeSync(this.fd!);
    for (let i = this.keepFiles - 1; i >= 1; i--) {
      try { fs.renameSync(`${file}.${i}`, `${file}.${i + 1}`); } catch { /* not there yet */ }
    }
    fs.renameSync(file, `${file}.1`);
    try { fs.rmSync(`${file}.${this.keepFiles + 1}`, { force: true }); } catch { /* best effort */ }
    this.openFile();
  }
}

function formatFields(fields: Fields): string {
  let out = '';
  for (const [key, value] of Object.entries(fields)) {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    out += ` ${key}=${/^[^\s"=]+$/.test(text ?? '') ? text : JSON.stringify(text)}`;
  }
  return out;
}
