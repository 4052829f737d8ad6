// A tiny typed schema: each node validates a value and carries its TypeScript type, so the config
// schema below is the single source of both runtime checks and the `OpenclawConfig` type.

export type Path = Array<string | number>;
export interface Issue {
  path: Path;
  message: string;
}

export abstract class Node<T> {
  declare readonly _type: T;
  secret = false;
  abstract describe(): string;
  abstract check(value: unknown, path: Path, issues: Issue[]): void;
  /** The child schema at `key`, for config set/get on a path. */
  child(_key: string | number): Node<unknown> | undefined {
    return undefined;
  }
}

export type Infer<N> = N extends Node<infer T> ? T : never;

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

class StringNode<T extends string = string> extends Node<T> {
  constructor(private readonly opts: { enum?: readonly T[]; pattern?: RegExp; patternHint?: string; minLength?: number } = {}) {
    super();
  }
  describe(): string {
    return this.opts.enum ? this.opts.enum.map((v) => JSON.stringify(v)).join(' | ') : 'string';
  }
  check(value: unknown, path: Path, issues: Issue[]): void {
    if (typeof value !== 'string') {
      issues.push({ path, message: `expected ${this.describe()}, got ${typeName(value)}` });
    } else if (this.opts.enum && !this.opts.enum.includes(value as T)) {
      issues.push({ path, message: `expected one of ${this.describe()}, got ${JSON.stringify(value)}` });
    } else if (this.opts.minLength !== undefined && value.length < this.opts.minLength) {
      issues.push({ path, message: this.opts.minLength === 1 ? 'must not be empty' : `must be at least ${this.opts.minLength} characters` });
    } else if (this.opts.pattern && !this.opts.pattern.test(value)) {
      issues.push({ path, message: `${JSON.stringify(value)} is not ${this.opts.patternHint ?? `matching ${this.opts.pattern}`}` });
    }
  }
}

class NumberNode extends Node<number> {
  constructor(private readonly opts: { int?: boolean; min?: number; max?: number } = {}) {
    super();
  }
  describe(): string {
    return this.opts.int ? 'integer' : 'number';
  }
  check(value: unknown, path: Path, issues: Issue[]): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      issues.push({ path, message: `expected ${this.describe()}, got ${typeName(value)}` });
      return;
    }
    if (this.opts.int && !Number.isInteger(value)) issues.push({ path, message: `expected integer, got ${value}` });
    else if (this.opts.min !== undefined && value < this.opts.min) issues.push({ path, message: `must be >= ${this.opts.min}, got ${value}` });
    else if (this.opts.max !== undefined && value > this.opts.max) issues.push({ path, message: `must be <= ${this.opts.max}, got ${value}` });
  }
}

class BooleanNode extends Node<boolean> {
  describe(): string {
    return 'boolean';
  }
  check(value: unknown, path: Path, issues: Issue[]): void {
    if (typeof value !== 'boolean') issues.push({ path, message: `expected boolean, got ${typeName(value)}` });
  }
}

class ArrayNode<T> extends Node<T[]> {
  constructor(private readonly items: Node<T>) {
    super();
  }
  describe(): string {
    return `array of ${this.items.describe()}`;
  }
  check(value: unknown, path: Path, issues: Issue[]): void {
    if (!Array.isArray(value)) {
      issues.push({ path, message: `expected ${this.describe()}, got ${typeName(value)}` });
      return;
    }
    value.forEach((item, i) => this.items.check(item, [...path, i], issues));
  }
  override child(key: string | number): Node<unknown> | undefined {
    return typeof key === 'number' ? this.items : undefined;
  }
}

type Props = Record<string, Node<unknown>>;
type ObjectType<P extends Props> = { [K in keyof P]?: Infer<P[K]> };

export class ObjectNode<P extends Props> extends Node<ObjectType<P>> {
  constructor(readonly props: P) {
    super();
  }
  describe(): string {
    return 'object';
  }
  check(value: unknown, path: Path, issues: Issue[]): void {
    if (typeName(value) !== 'object') {
      issues.push({ path, message: `expected object, got ${typeName(value)}` });
      return;
    }
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      const node = this.props[key];
      if (!node) {
        const guess = closest(key, Object.keys(this.props));
        issues.push({ path: [...path, key], message: `unknown key${guess ? ` (did you mean '${guess}'?)` : ''}` });
      } else {
        node.check(item, [...path, key], issues);
      }
    }
  }
  override child(key: string | number): Node<unknown> | undefined {
    return typeof key === 'string' ? this.props[key] : undefined;
  }
}

class RecordNode<T> extends Node<Record<string, T>> {
  constructor(private readonly values: Node<T>) {
    super();
  }
  describe(): string {
    return `map of ${this.values.describe()}`;
  }
  check(value: unknown, path: Path, issues: Issue[]): void {
    if (typeName(value) !== 'object') {
      issues.push({ path, message: `expected object, got ${typeName(value)}` });
      return;
    }
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) this.values.check(item, [...path, key], issues);
  }
  override child(key: string | number): Node<unknown> | undefined {
    return typeof key === 'string' ? this.values : undefined;
  }
}

class UnionNode<T> extends Node<T> {
  constructor(private readonly options: Node<T>[]) {
    super();
  }
  describe(): string {
    return this.options.map((o) => o.describe()).join(' or ');
  }
  check(value: unknown, path: Path, issues: Issue[]): void {
    let best: Issue[] | undefined;
    for (const option of this.options) {
      const attempt: Issue[] = [];
      option.check(value, path, attempt);
      if (attempt.length === 0) return;
      if (!best || attempt.length < best.length) best = attempt;
    }
    // Same type as one option but wrong inside it: report that option's issues, they are specific.
    const sameShape = this.options.some((o) => o instanceof ObjectNode) && typeName(value) === 'object';
    if (sameShape && best) issues.push(...best);
    else issues.push({ path, message: `expected ${this.describe()}, got ${typeName(value)}` });
  }
  override child(key: string | number): Node<unknown> | undefined {
    for (const option of this.options) {
      const c = option.child(key);
      if (c) return c;
    }
    return undefined;
  }
}

/** A section we accept as-is: upstream keys this gateway does not act on (yet). */
class OpaqueNode extends Node<unknown> {
  describe(): string {
    return 'any';
  }
  check(): void {}
  override child(): Node<unknown> {
    return this;
  }
}

export const string = <T extends string = string>(opts: { enum?: readonly T[]; pattern?: RegExp; patternHint?: string; minLength?: number } = {}) => new StringNode<T>(opts);
export const oneOf = <T extends string>(...values: T[]) => new StringNode<T>({ enum: values });
export const number = (opts: { int?: boolean; min?: number; max?: number } = {}) => new NumberNode(opts);
export const integer = (min?: number, max?: number) => new NumberNode({ int: true, ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) });
export const boolean = () => new BooleanNode();
export const array = <T>(items: Node<T>) => new ArrayNode<T>(items);
export const object = <P extends Props>(props: P) => new ObjectNode<P>(props);
export const record = <T>(values: Node<T>) => new RecordNode<T>(values);
export const union = <A, B>(a: Node<A>, b: Node<B>) => new UnionNode<A | B>([a as Node<A | B>, b as Node<A | B>]);
export const opaque = () => new OpaqueNode();
export function secret<T>(node: Node<T>): Node<T> {
  node.secret = true;
  return node;
}

export function validate(schema: Node<unknown>, value: unknown): Issue[] {
  const issues: Issue[] = [];
  schema.check(value, [], issues);
  return issues;
}

export function nodeAt(schema: Node<unknown>, path: Path): Node<unknown> | undefined {
  let node: Node<unknown> | undefined = schema;
  for (const key of path) {
    node = node?.child(key);
    if (!node) return undefined;
  }
  return node;
}

export function formatPath(path: Path): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out || '(root)';
}

function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestScore) {
      bestScore = d;
      best = c;
    }
  }
  return bestScore <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** Optimal string alignment distance: a swapped pair of letters ("prot") counts as one edit. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}
