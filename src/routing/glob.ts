const cache = new Map<string, RegExp>();

/**
 * Operator-written URL patterns: `*` matches any run of characters (slashes included), `?` one
 * character; everything else is literal and the whole URL must match. Case-insensitive, as
 * hosts are and as operators expect of paths.
 */
export function globMatch(glob: string, value: string): boolean {
  let re = cache.get(glob);
  if (!re) {
    const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*+/g, ".*").replace(/\?/g, ".");
    re = new RegExp(`^${body}$`, "i");
    if (cache.size > 1000) cache.clear();
    cache.set(glob, re);
  }
  return re.test(value);
}
