/** Any thrown value in words: `TypeError: x is undefined`, `null`, `42`, `"oops"` (String() itself throws for some objects). */
export function describeThrown(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  try {
    return typeof e === 'string' ? JSON.stringify(e) : String(e);
  } catch {
    return `a ${typeof e} that cannot be shown`;
  }
}
