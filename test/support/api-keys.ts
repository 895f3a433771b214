import { call, json, post } from "./api.ts";
import type { Team } from "./fixture.ts";
import { ApiScope } from "../../src/model/index.ts";

/** Every scope there is: for tests about something other than scopes. */
export const ALL_SCOPES = ApiScope.options;

/** A new API key of the team's workspace, created by its admin; returns the key and its one-time secret. */
export async function createApiKey(team: Team, scopes: readonly string[] = ALL_SCOPES, name = "test integration") {
  return json<{ id: string; secret: string; scopes: string[] }>(await post("/api/api-keys", team.admin, { name, scopes }), 201);
}

/** A request to the open API with an API key. */
export function v1(path: string, secret: string, init: RequestInit & { json?: unknown; idempotencyKey?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.idempotencyKey) headers.set("idempotency-key", init.idempotencyKey);
  return call(`/v1${path}`, { ...init, headers, token: secret });
}
