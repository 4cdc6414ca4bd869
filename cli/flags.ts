// Integer flags of the commands, checked the same way everywhere: the flag, the value and the bound in the error.

export function intFlag(flag: string, v: string, min = 0): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} must be an integer >= ${min}, got "${v}"`);
  return n;
}
