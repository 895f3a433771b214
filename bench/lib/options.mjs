/** An integer command-line option within bounds, or an error that names the option. */
export function intOption(args, name, min, max) {
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}
