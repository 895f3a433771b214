// HTTP to the Switchboard API with the signed-in user's bearer token. The API may live on another
// origin when the workstation is hosted on Pages: set VITE_SWITCHBOARD_API at build time.
import type { User } from "../shared/wire.ts";

export const API_BASE: string = (import.meta.env.VITE_SWITCHBOARD_API as string | undefined)?.replace(/\/$/, "") ?? "";
export const WS_BASE = (API_BASE || location.origin).replace(/^http/, "ws");

const KEY = "switchboard:workstation";

export interface Session {
  token: string;
  expires_at: number;
  user: User;
}

export function loadSession(): Session | null {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) ?? "null") as Session | null;
    return s && s.expires_at > Date.now() ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(s: Session | null): void {
  if (s) localStorage.setItem(KEY, JSON.stringify(s));
  else localStorage.removeItem(KEY);
}

/** An API error with its machine-readable code and, for validation errors, each problem. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

let onUnauthorized: () => void = () => {};
export function whenUnauthorized(f: () => void): void {
  onUnauthorized = f;
}

export async function api<T = any>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const token = loadSession()?.token;
  const res = await fetch(`${API_BASE}${path}`, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  if (res.status === 204) return undefined as T;
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const e = body?.error ?? {};
    if (res.status === 401 && token) onUnauthorized();
    throw new ApiError(res.status, e.code ?? "http_error", e.message ?? `HTTP ${res.status}`, e.details ?? []);
  }
  return body as T;
}

export function socketUrl(path: string): string {
  return `${WS_BASE}${path}${path.includes("?") ? "&" : "?"}token=${encodeURIComponent(loadSession()?.token ?? "")}`;
}
