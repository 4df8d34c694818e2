/** `1 gate`, `3 gates`: a count as a person reads it, for an RFC of one file as for one of twelve. */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
