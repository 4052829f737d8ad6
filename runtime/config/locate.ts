// Find where a key path sits in JSON5 text, so validation errors can say file:line:col. json5 only
// reports positions for syntax errors; this scanner walks already-valid text and records the
// position of every object key and array element. It is not a parser: it trusts json5's verdict.
import type { Path } from './schema-dsl.js';

export interface Position {
  line: number;
  col: number;
}

interface Frame {
  kind: 'object' | 'array';
  path: Path;
  index: number;
  pendingKey?: string;
  pendingPos?: Position;
}

export function locateKeys(text: string): Map<string, Position> {
  const out = new Map<string, Position>();
  const stack: Frame[] = [];
  let line = 1;
  let col = 1;
  let i = 0;
  let expectValue = true; // at the top level the first token is a value

  const pos = (): Position => ({ line, col });
  const advance = (n: number) => {
    for (let k = 0; k < n; k++) {
      if (text[i] === '\n') {
        line++;
        col = 1;
      } else {
        col++;
      }
      i++;
    }
  };
  const top = () => stack[stack.length - 1];
  const valueStart = (): Path | undefined => {
    const frame = top();
    if (!frame) return [];
    if (frame.kind === 'array') {
      const p = [...frame.path, frame.index];
      out.set(key(p), pos());
      return p;
    }
    if (frame.pendingKey === undefined) return undefined;
    const p = [...frame.path, frame.pendingKey];
    out.set(key(p), frame.pendingPos!);
    frame.pendingKey = undefined;
    return p;
  };
  const readString = (): string => {
    const quote = text[i];
    let value = '';
    advance(1);
    while (i < text.length && text[i] !== quote) {
      if (text[i] === '\\') {
        const next = text[i + 1] ?? '';
        const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0' };
        if (next === 'u') {
          value += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          advance(6);
          continue;
        }
        if (next === '\n') {
          advance(2);
          continue;
        }
        value += simple[next] ?? next;
        advance(2);
        continue;
      }
      value += text[i];
      advance(1);
    }
    advance(1);
    return value;
  };

  while (i < text.length) {
    const c = text[i]!;
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') advance(1);
    } else if (c === '/' && text[i + 1] === '*') {
      advance(2);
      while (i < text.length && !(text[i] === '*' && text[i + 1] === '/')) advance(1);
      advance(2);
    } else if (/\s/.test(c) || c === '\uFEFF') {
      advance(1);
    } else if (c === '{' || c === '[') {
      const p = expectValue ? valueStart() ?? [] : [];
      stack.push({ kind: c === '{' ? 'object' : 'array', path: p, index: 0 });
      expectValue = c === '[';
      advance(1);
    } else if (c === '}' || c === ']') {
      stack.pop();
      expectValue = false;
      advance(1);
    } else if (c === ',') {
      const frame = top();
      if (frame?.kind === 'array') {
        frame.index++;
        expectValue = true;
      } else {
        expectValue = false;
      }
      advance(1);
    } else if (c === ':') {
      expectValue = true;
      advance(1);
    } else {
      const frame = top();
      const isKey = frame?.kind === 'object' && !expectValue;
      const start = pos();
      let word: string;
      if (c === '"' || c === "'") {
        word = readString();
      } else {
        const m = /^[^\s,:\[\]{}\/'"]+/.exec(text.slice(i, i + 256));
        word = m ? m[0] : c;
        advance(word.length);
      }
      if (isKey) {
        frame!.pendingKey = word;
        frame!.pendingPos = start;
      } else if (expectValue) {
        const frameBefore = top();
        if (frameBefore?.kind === 'array') {
          out.set(key([...frameBefore.path, frameBefore.index]), start);
        } else if (frameBefore?.pendingKey !== undefined) {
          out.set(key([...frameBefore.path, frameBefore.pendingKey]), frameBefore.pendingPos!);
          frameBefore.pendingKey = undefined;
        }
        expectValue = false;
      }
    }
  }
  return out;
}

export function key(path: Path): string {
  return JSON.stringify(path);
}

/** The position of the deepest located prefix of `path` (a missing key points at its parent). */
export function positionOf(positions: Map<string, Position>, path: Path): Position | undefined {
  for (let n = path.length; n > 0; n--) {
    const p = positions.get(key(path.slice(0, n)));
    if (p) return p;
  }
  return undefined;
}
