/**
 * Fakes of the third-party APIs for the tests (WeChat, Turnstile), served to the Worker's outbound fetches (miniflare's
 * outboundService, see vitest.config.ts). It runs in Node, records every call by app ID, and
 * answers with scripted errors. Tests drive it over HTTP at http://fake-wechat.test/__fake/…
 */
interface Call {
  path: string;
  appid: string;
  body: unknown;
  at: number;
}

interface AppState {
  calls: Call[];
  tokenSerial: number;
  validTokens: Set<string>;
  /** errcodes answered by the next customer-service sends, in order. */
  sendErrors: number[];
}

const apps = new Map<string, AppState>();

function app(appid: string): AppState {
  let state = apps.get(appid);
  if (!state) {
    state = { calls: [], tokenSerial: 0, validTokens: new Set(), sendErrors: [] };
    apps.set(appid, state);
  }
  return state;
}

const appOfToken = (token: string) => token.split(".")[1] ?? "";

export async function fakeWechat(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const json = (body: unknown) => Response.json(body);
  if (url.pathname === "/__fake/calls") return json(app(url.searchParams.get("appid") ?? "").calls);
  if (url.pathname === "/__fake/script" && request.method === "POST") {
    const body = (await request.json()) as { appid: string; send_errors?: number[]; expire_tokens?: boolean };
    const state = app(body.appid);
    if (body.send_errors) state.sendErrors.push(...body.send_errors);
    if (body.expire_tokens) state.validTokens.clear();
    return json({ ok: true });
  }
  if (url.pathname === "/cgi-bin/token") {
    const appid = url.searchParams.get("appid") ?? "";
    const state = app(appid);
    state.calls.push({ path: url.pathname, appid, body: null, at: Date.now() });
    if (!url.searchParams.get("secret")) return json({ errcode: 41004, errmsg: "appsecret missing" });
    const token = `tok.${appid}.${++state.tokenSerial}`;
    state.validTokens.add(token);
    return json({ access_token: token, expires_in: 7200 });
  }
  if (url.pathname === "/cgi-bin/media/upload" && request.method === "POST") {
    const token = url.searchParams.get("access_token") ?? "";
    const appid = appOfToken(token);
    const media = (await request.formData()).get("media") as unknown as Blob | null;
    const bytes = media ? new Uint8Array(await media.arrayBuffer()) : new Uint8Array();
    app(appid).calls.push({ path: url.pathname, appid, body: { type: url.searchParams.get("type"), size: bytes.byteLength, first: Array.from(bytes.slice(0, 4)) }, at: Date.now() });
    if (!app(appid).validTokens.has(token)) return json({ errcode: 42001, errmsg: "access_token expired" });
    return json({ type: "image", media_id: `media-${app(appid).calls.length}`, created_at: Math.floor(Date.now() / 1000) });
  }
  if (url.pathname === "/cgi-bin/media/get") {
    const token = url.searchParams.get("access_token") ?? "";
    const appid = appOfToken(token);
    app(appid).calls.push({ path: url.pathname, appid, body: url.searchParams.get("media_id"), at: Date.now() });
    if (!app(appid).validTokens.has(token)) return json({ errcode: 42001, errmsg: "access_token expired" });
    // An AMR voice note: the magic "#!AMR\n" and a few frames.
    return new Response(new Uint8Array([0x23, 0x21, 0x41, 0x4d, 0x52, 0x0a, 0x3c, 0x48, 0xf5, 0x1f]), { headers: { "content-type": "audio/amr" } });
  }
  if (url.pathname === "/cgi-bin/message/custom/send" && request.method === "POST") {
    const token = url.searchParams.get("access_token") ?? "";
    const appid = appOfToken(token);
    const state = app(appid);
    const body = await request.json();
    state.calls.push({ path: url.pathname, appid, body, at: Date.now() });
    if (!state.validTokens.has(token)) return json({ errcode: 42001, errmsg: "access_token expired" });
    const scripted = state.sendErrors.shift();
    if (scripted !== undefined && scripted !== 0) return json({ errcode: scripted, errmsg: `scripted error ${scripted}` });
    return json({ errcode: 0, errmsg: "ok" });
  }
  return new Response(`the fake WeChat API has no ${request.method} ${url.pathname}`, { status: 404 });
}

/** Turnstile's siteverify: this token passes, any other fails (like Cloudflare's documented test keys). */
export const TURNSTILE_PASS = "XXXX.DUMMY.TOKEN.XXXX";

async function fakeTurnstile(request: Request): Promise<Response> {
  const form = new URLSearchParams(await request.text());
  const success = !!form.get("secret") && form.get("response") === TURNSTILE_PASS;
  return Response.json({ success, "error-codes": success ? [] : ["invalid-input-response"] });
}

/** Every outbound fetch of the Worker under test: third parties are faked here, nothing reaches the network. */
export async function fakeOutbound(request: Request): Promise<Response> {
  const host = new URL(request.url).host;
  if (host === "fake-wechat.test") return fakeWechat(request);
  if (host === "fake-turnstile.test") return fakeTurnstile(request);
  return new Response(`no fake for ${host} in the tests`, { status: 502 });
}
