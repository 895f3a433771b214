/**
 * A customer's webhook receiver — the one outside party these tests fake, at the fetch boundary.
 * It is written from docs/webhooks.md alone: it verifies `Switchboard-Signature` the way the docs
 * say, dedupes by event id, and can be told to fail.
 */
export const RECEIVER_ORIGIN = "https://receiver.test";

type Mode = "ok" | "flaky" | "down";

export interface Received {
  path: string;
  eventId: string;
  type: string;
  body: any;
  signatureValid: boolean;
  status: number;
}

async function hmacSha256Hex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Step by step as docs/webhooks.md ("Verifying a delivery") describes. */
export async function verifySignature(secret: string, header: string | null, rawBody: string, nowSeconds: number): Promise<boolean> {
  if (!header) return false;
  const fields = new Map(header.split(",").map((part) => [part.slice(0, part.indexOf("=")), part.slice(part.indexOf("=") + 1)]));
  const t = Number(fields.get("t"));
  const v1 = fields.get("v1");
  if (!Number.isInteger(t) || !v1) return false;
  if (Math.abs(nowSeconds - t) > 300) return false;
  const expected = await hmacSha256Hex(secret, `${t}.${rawBody}`);
  if (expected.length !== v1.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ v1.charCodeAt(i);
  return diff === 0;
}

export class TestReceiver {
  readonly received: Received[] = [];
  private readonly endpoints = new Map<string, { secret: string; mode: Mode }>();
  private readonly seenEvents = new Set<string>();
  private arrivals = 0;
  private original: typeof fetch | undefined;

  /** Routes this isolate's fetches to the receiver's origin here; everything else goes out as before. */
  install(): this {
    this.original = globalThis.fetch;
    const original = this.original;
    globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      if (!request.url.startsWith(RECEIVER_ORIGIN)) return original(input, init);
      return this.handle(request);
    }) as typeof fetch;
    return this;
  }

  uninstall(): void {
    if (this.original) globalThis.fetch = this.original;
  }

  /** A new endpoint URL; its secret is set once the subscription is created. */
  endpoint(mode: Mode = "ok"): string {
    const path = `/hooks/${crypto.randomUUID()}`;
    this.endpoints.set(path, { secret: "", mode });
    return `${RECEIVER_ORIGIN}${path}`;
  }

  configure(url: string, change: { secret?: string; mode?: Mode }): void {
    const path = new URL(url).pathname;
    const current = this.endpoints.get(path)!;
    this.endpoints.set(path, { ...current, ...change });
  }

  at(url: string): Received[] {
    const path = new URL(url).pathname;
    return this.received.filter((r) => r.path === path);
  }

  /** Deliveries this endpoint accepted (answered 2xx), in arrival order. */
  accepted(url: string): Received[] {
    return this.at(url).filter((r) => r.status < 300);
  }

  private async handle(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    const endpoint = this.endpoints.get(path);
    if (!endpoint) return new Response("no such hook", { status: 404 });
    const raw = await request.text();
    const signatureValid = await verifySignature(endpoint.secret, request.headers.get("switchboard-signature"), raw, Math.floor(Date.now() / 1000));
    const body = JSON.parse(raw);
    const firstSight = !this.seenEvents.has(body.id);
    this.seenEvents.add(body.id);
    let status = signatureValid ? 200 : 401;
    // "Sometimes": the first attempt of every other new event fails.
    if (signatureValid && endpoint.mode === "flaky" && firstSight && this.arrivals++ % 2 === 0) status = 500;
    if (signatureValid && endpoint.mode === "down") status = 500;
    this.received.push({ path, eventId: request.headers.get("switchboard-event-id") ?? "", type: body.type, body, signatureValid, status });
    return new Response(status === 200 ? "ok" : "try again", { status });
  }
}
