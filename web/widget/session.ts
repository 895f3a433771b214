// The visitor's identity and open conversation, kept in localStorage so a reload resumes the
// same conversation; the token is renewed with the same visitor_id before it expires.
import type { OutgoingMessage } from "../shared/conversation-link.ts";
import type { ConversationContext, VisitorSession } from "../shared/wire.ts";

export interface Stored {
  visitor_id?: string;
  /** The pages this visitor viewed on the site (newest last, at most 50): the agent's "pages visited". */
  trail?: { url: string; title?: string; at: number }[];
  session?: VisitorSession;
  /** Messages typed but not yet acknowledged: they survive a reload and are sent again. */
  outbox?: OutgoingMessage[];
}

export class SessionStore {
  private readonly key: string;
  constructor(
    private readonly api: string,
    private readonly widgetKey: string,
  ) {
    this.key = `switchboard:${widgetKey}`;
  }

  load(): Stored {
    try {
      return JSON.parse(localStorage.getItem(this.key) ?? "{}") as Stored;
    } catch {
      return {};
    }
  }

  save(patch: Partial<Stored>): void {
    try {
      localStorage.setItem(this.key, JSON.stringify({ ...this.load(), ...patch }));
    } catch {
      // storage full or blocked (private mode): the chat still works, it just won't survive a reload
    }
  }

  /** Called once per page load: the trail the next conversation starts with. */
  recordPageView(): void {
    const entry = { url: location.href.slice(0, 2048), title: document.title.slice(0, 300), at: Date.now() };
    const trail = [...(this.load().trail ?? []).filter((p) => p.url !== entry.url), entry].slice(-50);
    this.save({ trail });
  }

  /** Starts (or resumes) the visitor's conversation. */
  async open(profile: { name?: string; email?: string }): Promise<VisitorSession> {
    const stored = this.load();
    const res = await fetch(`${this.api}/api/widget/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ widget_key: this.widgetKey, visitor_id: stored.visitor_id, ...profile, context: pageContext(stored.trail) }),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
    const session = body as VisitorSession;
    this.save({ visitor_id: session.visitor_id, session });
    return session;
  }

  /** The socket URL with a token valid for at least another minute. */
  async socketUrl(profile: { name?: string; email?: string }): Promise<string> {
    let session = this.load().session;
    if (!session || session.expires_at - Date.now() < 60_000) session = await this.open(profile);
    return `${session.websocket_url}?token=${encodeURIComponent(session.token)}`;
  }
}

/** Where the visitor is and came from: what routing rules and the agent's context panel read. */
function pageContext(trail: Stored["trail"]): Partial<ConversationContext> {
  const params = new URLSearchParams(location.search);
  const utm: Record<string, string> = {};
  for (const k of ["source", "medium", "campaign", "term", "content"]) {
    const v = params.get(`utm_${k}`);
    if (v) utm[k] = v.slice(0, 200);
  }
  const small = matchMedia("(max-width: 600px)").matches;
  return {
    channel: small ? "h5" : "web",
    entry_page: location.href.slice(0, 2048),
    ...(document.referrer ? { referrer: document.referrer.slice(0, 2048) } : {}),
    ...(Object.keys(utm).length ? { utm } : {}),
    trail: trail?.length ? trail : [{ url: location.href.slice(0, 2048), title: document.title.slice(0, 300), at: Date.now() }],
    device: {
      type: small ? "mobile" : "desktop",
      user_agent: navigator.userAgent.slice(0, 512),
      language: navigator.language.slice(0, 35),
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone?.slice(0, 64),
      screen: `${screen.width}x${screen.height}`,
    },
  };
}
