// Scope checks. operator.admin covers every operator scope and operator.write covers
// operator.read, so a client asks for what it needs and a method names the least it requires.

export function hasScope(granted: readonly string[], required: string): boolean {
  if (granted.includes(required)) return true;
  if (required.startsWith('operator.') && granted.includes('operator.admin')) return true;
  return required === 'operator.read' && granted.includes('operator.write');
}

export function missingScopes(granted: readonly string[], required: readonly string[]): string[] {
  return required.filter((scope) => !hasScope(granted, scope));
}
