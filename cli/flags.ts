// Number flags of the commands, checked the same way everywhere: the error names the flag, the
// value and the allowed range, before anything reads or writes a file.

export function intFlag(flag: string, v: string | number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const n = typeof v === 'number' ? v : String(v).trim() === '' ? NaN : Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`--${flag} must be an integer ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`}, got "${v}"`);
  }
  return n;
}

export function numFlag(flag: string, v: string | number, min = -Infinity, max = Infinity): number {
  const n = typeof v === 'number' ? v : String(v).trim() === '' ? NaN : Number(v);
  if (!Number.isFinite(n) || n < min || n > max) {
    const range = Number.isFinite(min) && Number.isFinite(max) ? `from ${min} to ${max}` : Number.isFinite(min) ? `>= ${min}` : Number.isFinite(max) ? `<= ${max}` : 'finite';
    throw new Error(`--${flag} must be a number ${range}, got "${v}"`);
  }
  return n;
}
