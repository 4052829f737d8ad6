// The terminal side of the wizard, on node built-ins only: raw mode + readline's keypress decoder.
// Every prompt resolves from keys; Ctrl-C (or Ctrl-D on an empty line) at any point rejects with
// Interrupted, and the caller has written nothing yet, so quitting is always safe. Secret input is
// never echoed, not even as asterisks.
import readline from 'node:readline';
import { OpenclawError } from '../../lib/errors.js';

export class Interrupted extends OpenclawError {
  constructor() {
    super('onboard: interrupted; nothing was written', { exitCode: 130, code: 'INTERRUPTED', hint: 'run openclaw onboard again to start over' });
    this.name = 'Interrupted';
  }
}

export interface Choice<T extends string> {
  value: T;
  label: string;
  hint?: string;
}

export interface Prompter {
  select<T extends string>(question: string, choices: Choice<T>[], initial?: T): Promise<T>;
  text(question: string, opts?: { initial?: string; validate?: (value: string) => string | undefined }): Promise<string>;
  secret(question: string, opts?: { allowEmpty?: boolean; validate?: (value: string) => string | undefined }): Promise<string>;
  confirm(question: string, initial: boolean): Promise<boolean>;
  /** One line of information (no question). */
  say(line?: string): void;
  /** Aborts when the user presses Ctrl-C during non-prompt work (e.g. the live provider check). */
  readonly signal: AbortSignal;
  close(): void;
}

interface Key {
  str: string | undefined;
  name: string | undefined;
  ctrl: boolean;
  meta: boolean;
}

const ESC = '\x1b[';

/** A prompter on a TTY stdin; output goes to `out` (stderr, so stdout stays clean for --json). */
export function ttyPrompter(input: NodeJS.ReadStream = process.stdin, out: NodeJS.WriteStream = process.stderr): Prompter {
  const queue: Key[] = [];
  let waiter: { resolve: (k: Key) => void; reject: (e: Error) => void } | undefined;
  const abort = new AbortController();
  let interrupted = false;

  const interrupt = () => {
    if (interrupted) return;
    interrupted = true;
    abort.abort(new Interrupted());
    const w = waiter;
    waiter = undefined;
    w?.reject(new Interrupted());
  };
  const onKey = (str: string | undefined, key: Partial<Key> | undefined) => {
    const k: Key = { str, name: key?.name, ctrl: key?.ctrl === true, meta: key?.meta === true };
    if (k.ctrl && k.name === 'c') return interrupt();
    const w = waiter;
    if (w) {
      waiter = undefined;
      w.resolve(k);
    } else queue.push(k);
  };
  readline.emitKeypressEvents(input);
  input.setRawMode(true);
  input.on('keypress', onKey);
  input.resume();
  // Raw mode turns Ctrl-C into a key, but a signal may still come from elsewhere (kill -INT).
  process.on('SIGINT', interrupt);

  const nextKey = (): Promise<Key> => {
    if (interrupted) return Promise.reject(new Interrupted());
    const k = queue.shift();
    if (k) return Promise.resolve(k);
    return new Promise((resolve, reject) => (waiter = { resolve, reject }));
  };
  const write = (s: string) => out.write(s);
  const width = () => Math.max(40, (out.columns || 80) - 1);
  const clip = (s: string) => (s.length > width() ? s.slice(0, width() - 1) + '~' : s);

  async function readLine(prompt: string, echo: boolean): Promise<string> {
    write(prompt);
    let value = '';
    for (;;) {
      const k = await nextKey();
      if (k.name === 'return' || k.name === 'enter') {
        write('\r\n');
        return value;
      }
      if (k.ctrl && k.name === 'd' && value === '') {
        interrupt();
        throw new Interrupted();
      }
      if (k.name === 'backspace') {
        if (value.length > 0) {
          value = value.slice(0, -1);
          if (echo) write('\b \b');
        }
        continue;
      }
      if (k.ctrl && k.name === 'u') {
        if (echo) write('\b \b'.repeat(value.length));
        value = '';
        continue;
      }
      if (k.ctrl || k.meta || k.str === undefined) continue;
      // Paste may deliver several characters as one key; keep the printable ones.
      const printable = k.str.replace(/[\x00-\x1f\x7f]/g, '');
      if (printable === '') continue;
      value += printable;
      if (echo) write(printable);
    }
  }

  return {
    signal: abort.signal,
    say(line = '') {
      write(`${line}\r\n`);
    },
    async select(question, choices, initial) {
      let index = Math.max(0, choices.findIndex((c) => c.value === initial));
      const labelWidth = Math.max(...choices.map((c) => c.label.length));
      const render = () =>
        choices.map((c, i) => clip(`${i === index ? '  > ' : '    '}${i + 1}. ${c.label.padEnd(labelWidth)}${c.hint ? `  ${c.hint}` : ''}`)).join('\r\n') + '\r\n';
      write(`? ${question}  (arrows or 1-${choices.length}, Enter)\r\n${render()}`);
      const redraw = () => write(`${ESC}${choices.length}A\r${ESC}J${render()}`);
      for (;;) {
        const k = await nextKey();
        if (k.name === 'up' || (k.ctrl && k.name === 'p') || k.str === 'k') index = (index + choices.length - 1) % choices.length;
        else if (k.name === 'down' || (k.ctrl && k.name === 'n') || k.str === 'j' || k.name === 'tab') index = (index + 1) % choices.length;
        else if (k.str && /^[1-9]$/.test(k.str) && Number(k.str) <= choices.length) index = Number(k.str) - 1;
        else if (k.name === 'return' || k.name === 'enter') {
          // Collapse the list to the answer, so the screen reads as a log of decisions.
          write(`${ESC}${choices.length + 1}A\r${ESC}J${clip(`  ${question}: ${choices[index]!.label}`)}\r\n`);
          return choices[index]!.value;
        } else continue;
        redraw();
      }
    },
    async text(question, opts = {}) {
      for (;;) {
        const raw = (await readLine(`? ${question}${opts.initial !== undefined ? ` [${opts.initial}]` : ''}: `, true)).trim();
        const value = raw === '' && opts.initial !== undefined ? opts.initial : raw;
        const problem = value === '' ? 'an answer is needed' : opts.validate?.(value);
        if (!problem) {
          write(`${ESC}1A\r${ESC}J${clip(`  ${question}: ${value}`)}\r\n`);
          return value;
        }
        write(`  ! ${problem}\r\n`);
      }
    },
    async secret(question, opts = {}) {
      for (;;) {
        const value = (await readLine(`? ${question} (input hidden): `, false)).trim();
        const problem = value === '' ? (opts.allowEmpty ? undefined : 'an answer is needed (nothing was typed)') : opts.validate?.(value);
        if (!problem) {
          write(`${ESC}1A\r${ESC}J  ${question}: ${value === '' ? '(none)' : `(received ${value.length} characters, not shown)`}\r\n`);
          return value;
        }
        write(`  ! ${problem}\r\n`);
      }
    },
    async confirm(question, initial) {
      write(`? ${question} [${initial ? 'Y/n' : 'y/N'}] `);
      for (;;) {
        const k = await nextKey();
        const s = k.str?.toLowerCase();
        if (k.name === 'return' || k.name === 'enter') {
          write(`${initial ? 'yes' : 'no'}\r\n`);
          return initial;
        }
        if (s === 'y' || s === 'n') {
          write(`${s === 'y' ? 'yes' : 'no'}\r\n`);
          return s === 'y';
        }
      }
    },
    close() {
      process.off('SIGINT', interrupt);
      input.off('keypress', onKey);
      if (input.isTTY) input.setRawMode(false);
      input.pause();
    },
  };
}
