// What the admin commands (`archive:verify`, `metrics:rebuild`) share: the options that say which
// running instance and which admin, and an authenticated JSON call to its API.
import { parseArgs } from "node:util";
import { DEMO_SEED } from "../src/db/demo-seed.ts";

/** Parses the shared options plus `extra`; defaults reach `npm start`'s demo admin. */
export function adminOptions(extra) {
  const { values } = parseArgs({
    options: {
      url: { type: "string", default: process.env.SWITCHBOARD_URL ?? "http://127.0.0.1:8787" },
      workspace: { type: "string", default: DEMO_SEED.slug },
      email: { type: "string", default: `admin@${DEMO_SEED.emailDomain}` },
      password: { type: "string", default: DEMO_SEED.password },
      token: { type: "string", default: process.env.SWITCHBOARD_TOKEN },
      ...extra,
    },
  });
  return values;
}

/** Signs in (unless --token was given) and returns `api(path, init)`, which throws on any non-2xx answer. */
export async function adminClient(opts) {
  const call = async (path, init = {}) => {
    const res = await fetch(new URL(path, opts.url), init);
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(`${init.method ?? "GET"} ${path} → HTTP ${res.status}: ${body.error?.message ?? JSON.stringify(body)}`);
    return body;
  };
  const token =
    opts.token ??
    (
      await call("/api/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ workspace: opts.workspace, email: opts.email, password: opts.password }),
      })
    ).token;
  return (path, init = {}) =>
    call(path, { ...init, headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers } });
}
