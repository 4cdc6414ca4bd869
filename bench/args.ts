// The one command-line helper the suites share: `--name value` from a suite's argument list.

/** The value after `--name`, or `fallback` when the flag or its value is missing. */
export function flag(args: readonly string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}
