// What the admin-style screens share: an API error as the text to show, and a GET that reloads on demand.
import { useEffect, useState } from "preact/hooks";
import { api, ApiError } from "../api.ts";

/** The API's error as shown under a form: `code: message`, then each validation problem with its path. */
export function describe(err: unknown): string {
  if (err instanceof ApiError) return [`${err.code}: ${err.message}`, ...err.details.map((d) => `• ${d.path || "(root)"}: ${d.message}`)].join("\n");
  return String(err);
}

/** GETs `path` (again when the path changes or `reload()` is called); the error, if any, as `describe` says it. */
export function useLoad<T>(path: string): [T | null, () => void, string | null] {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [n, setN] = useState(0);
  useEffect(() => {
    api<T>(path).then(
      (d) => (setData(d), setError(null)),
      (e) => setError(describe(e)),
    );
  }, [path, n]);
  return [data, () => setN((x) => x + 1), error];
}
