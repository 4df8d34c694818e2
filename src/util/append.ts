/**
 * `into.push(...xs)` without the spread: a list can hold more entries (a tree's skipped files,
 * a file's findings) than a call takes arguments, and the spread then overflows the stack.
 */
export function append<T>(into: T[], xs: Iterable<T>): void {
  for (const x of xs) into.push(x);
}
