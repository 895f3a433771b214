import type { Directory } from "../../shared/wire.ts";
import { useT } from "../app.tsx";
import { Lookups, PreviousConversations, TicketsSection } from "./context-extras.tsx";
import type { ConversationStore } from "../conversation-store.ts";

/** Where the visitor came from and where the conversation stands with routing, from its snapshot. */
export function ContextPanel({ store, directory, onOpen }: { store: ConversationStore; directory: Directory | null; onOpen(id: string): void }) {
  const t = useT();
  const snap = store.snapshot;
  if (!snap) return <aside class="context" />;
  const c = snap.context;
  const r = snap.routing;
  const group = (id: string | null) => (id ? (directory?.groups.find((g) => g.id === id)?.name ?? id) : "—");
  const person = (id: string) => directory?.users.find((u) => u.id === id)?.name ?? id;
  const utm = c.utm ? Object.entries(c.utm).filter(([, v]) => v) : [];
  const device = c.device ? [c.device.type, c.device.os, c.device.browser, c.device.language, c.device.timezone, c.device.screen].filter(Boolean) : [];
  return (
    <aside class="context" data-testid="context">
      <h3>{t("context")}</h3>
      <dl>
        <dt>{t("visitor")}</dt>
        <dd>{snap.contact.name ?? snap.contact.id}</dd>
        <dt>{t("channel")}</dt>
        <dd>{c.channel}</dd>
        {c.entry_page && (
          <>
            <dt>{t("entry_page")}</dt>
            <dd class="url">{c.entry_page}</dd>
          </>
        )}
        {c.referrer && (
          <>
            <dt>{t("referrer")}</dt>
            <dd class="url">{c.referrer}</dd>
          </>
        )}
        {utm.length > 0 && (
          <>
            <dt>{t("utm")}</dt>
            <dd>{utm.map(([k, v]) => `${k}=${v}`).join(" · ")}</dd>
          </>
        )}
        {device.length > 0 && (
          <>
            <dt>{t("device")}</dt>
            <dd>{device.join(" · ")}</dd>
          </>
        )}
        {c.tags?.length ? (
          <>
            <dt>{t("tags")}</dt>
            <dd>{c.tags.join(", ")}</dd>
          </>
        ) : null}
      </dl>
      {c.trail?.length ? (
        <>
          <h4>{t("trail")}</h4>
          <ol class="trail">
            {c.trail.map((p, i) => (
              <li key={i} title={p.url}>
                {p.title || p.url}
                {p.at ? <span class="muted"> · {new Date(p.at).toLocaleTimeString()}</span> : null}
              </li>
            ))}
          </ol>
        </>
      ) : null}
      <h4>{t("routing")}</h4>
      <dl>
        <dt>{t("group")}</dt>
        <dd>{group(r.group_id)}</dd>
        <dt>{t("owner")}</dt>
        <dd data-testid="owner">{r.owner ? (r.owner.name ?? person(r.owner.id)) : "—"}</dd>
        <dt>{t("priority")}</dt>
        <dd>{r.priority}</dd>
        {r.queue && (
          <>
            <dt>{t("queued")}</dt>
            <dd>
              #{r.queue.position} / {r.queue.waiting}
              {r.queue.estimated_wait_seconds !== null && ` · ~${Math.round(r.queue.estimated_wait_seconds / 60)} min`}
            </dd>
          </>
        )}
      </dl>
      {r.transfers.length > 0 && (
        <>
          <h4>{t("transfers")}</h4>
          <ol class="trail">
            {r.transfers.map((x, i) => (
              <li key={i}>
                {x.from_agent ? (x.from_agent.name ?? person(x.from_agent.id)) : group(x.from_group)} →{" "}
                {x.to.kind === "agent" ? person(x.to.agent_id) : group(x.to.group_id)}
                {x.note && <div class="muted">“{x.note}”</div>}
              </li>
            ))}
          </ol>
        </>
      )}
      <TicketsSection conversationId={store.id} contactId={snap.contact.id} directory={directory} />
      <Lookups contactId={snap.contact.id} />
      <PreviousConversations contactId={snap.contact.id} current={store.id} onOpen={onOpen} />
    </aside>
  );
}
