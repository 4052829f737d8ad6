// systemd-style unit files (.service, Quadlet .container) rendered from a typed model, never from a
// text template: every value is checked, so no input can add a line, a section or a specifier.
import { OpenclawError } from './errors.js';

/** A value that deliberately contains systemd specifiers (%h, %t, %N...): written as is. */
export interface Specifier {
  specifier: string;
}
export const specifier = (text: string): Specifier => ({ specifier: text });

export type UnitValue = string | number | boolean | Specifier;

export interface KeyGroup {
  /** One `#` line above the group: why these keys. */
  comment?: string;
  entries: ReadonlyArray<readonly [string, UnitValue]>;
}

export interface UnitSection {
  name: string;
  groups: readonly KeyGroup[];
}

export interface UnitFile {
  /** `#` lines at the top of the file. */
  header?: readonly string[];
  sections: readonly UnitSection[];
}

export class UnitValueError extends OpenclawError {
  constructor(key: string, why: string, value: string) {
    super(`unit file: ${key}=: ${why}: ${JSON.stringify(value)}`, { hint: 'fix the value (the unit was not written)', code: 'UNIT_VALUE' });
  }
}

const KEY = /^[A-Za-z][A-Za-z0-9]*$/;
const SECTION = /^[A-Za-z][A-Za-z0-9-]*$/;

export function unitValue(key: string, value: UnitValue): string {
  if (!KEY.test(key)) throw new UnitValueError(key, 'invalid key name', key);
  const raw = typeof value === 'object' ? value.specifier : typeof value === 'boolean' ? (value ? 'true' : 'false') : String(value);
  if (/[\r\n\0]/.test(raw)) throw new UnitValueError(key, 'contains a newline or NUL', raw);
  if (raw !== raw.trim()) throw new UnitValueError(key, 'has leading or trailing whitespace', raw);
  if (raw.endsWith('\\')) throw new UnitValueError(key, 'ends with a backslash (line continuation)', raw);
  if (typeof value === 'object') return raw;
  return raw.replace(/%/g, '%%');
}

function comment(text: string): string {
  if (/[\r\n\0]/.test(text)) throw new UnitValueError('#', 'comment contains a newline', text);
  return text === '' ? '#' : `# ${text}`;
}

export function renderUnit(unit: UnitFile): string {
  const out: string[] = (unit.header ?? []).map(comment);
  for (const section of unit.sections) {
    if (!SECTION.test(section.name)) throw new UnitValueError(`[${section.name}]`, 'invalid section name', section.name);
    if (out.length > 0) out.push('');
    out.push(`[${section.name}]`);
    for (const group of section.groups) {
      if (group.entries.length === 0) continue;
      if (group.comment !== undefined) out.push(comment(group.comment));
      for (const [key, value] of group.entries) out.push(`${key}=${unitValue(key, value)}`);
    }
  }
  return out.join('\n') + '\n';
}
