// Key paths as users type them: `gateway.auth.token`, `agents.list[0].id`, `env["MY-KEY"]`.
import { UsageError } from '../../lib/errors.js';
import type { Path } from './schema-dsl.js';

export function parseKeyPath(input: string): Path {
  const path: Path = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new UsageError(`invalid key path '${input}': ${why}`, 'use dots and [index], e.g. gateway.controlUi.allowedOrigins[0]');
  };
  if (input.trim() === '') fail('empty');
  while (i < input.length) {
    if (input[i] === '[') {
      const close = input.indexOf(']', i);
      if (close < 0) fail('unclosed [');
      const inner = input.slice(i + 1, close);
      if (/^\d+$/.test(inner)) path.push(Number(inner));
      else if (/^"([^"\\]|\\.)*"$/.test(inner)) path.push(JSON.parse(inner) as string);
      else fail(`bad index [${inner}]`);
      i = close + 1;
      if (input[i] === '.') i++;
    } else {
      const m = /^[^.[\]]+/.exec(input.slice(i));
      if (!m) fail(`empty segment at ${i + 1}`);
      path.push(m![0]);
      i += m![0].length;
      if (input[i] === '.') {
        i++;
        if (i === input.length) fail('trailing dot');
      }
    }
  }
  for (const seg of path) {
    if (seg === '__proto__' || seg === 'constructor' || seg === 'prototype') fail(`'${seg}' is not allowed`);
  }
  return path;
}

export function getAt(root: unknown, path: Path): unknown {
  let node = root;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[seg];
  }
  return node;
}

/** Set a value, creating objects (or arrays for numeric segments) on the way. Returns a new root. */
export function setAt(root: Record<string, unknown>, path: Path, value: unknown): Record<string, unknown> {
  const copy = structuredClone(root);
  let node: Record<string | number, unknown> = copy;
  path.forEach((seg, idx) => {
    if (idx === path.length - 1) {
      if (Array.isArray(node) && typeof seg === 'number' && seg > node.length) {
        throw new UsageError(`cannot set index ${seg}: the array has ${node.length} elements`);
      }
      node[seg] = value;
      return;
    }
    let next = node[seg];
    if (next === null || typeof next !== 'object') {
      next = typeof path[idx + 1] === 'number' ? [] : {};
      node[seg] = next;
    }
    node = next as Record<string | number, unknown>;
  });
  return copy;
}

/** Remove a key (or array element); empty parent objects are left in place. */
export function unsetAt(root: Record<string, unknown>, path: Path): { root: Record<string, unknown>; removed: boolean } {
  const copy = structuredClone(root);
  const parent = getAt(copy, path.slice(0, -1));
  const last = path[path.length - 1]!;
  if (parent === null || typeof parent !== 'object') return { root: copy, removed: false };
  if (Array.isArray(parent) && typeof last === 'number') {
    if (last >= parent.length) return { root: copy, removed: false };
    parent.splice(last, 1);
    return { root: copy, removed: true };
  }
  if (!Object.prototype.hasOwnProperty.call(parent, last)) return { root: copy, removed: false };
  delete (parent as Record<string | number, unknown>)[last];
  return { root: copy, removed: true };
}
