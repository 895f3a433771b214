import { useEffect, useState } from "preact/hooks";
import type { ConversationPage, ConversationRow, ConversationState, Directory, QueueList } from "../../shared/wire.ts";
import { api } from "../api.ts";
import { useT } from "../app.tsx";
import type { ConversationStore } from "../conversation-store.ts";
import { Choice } from "./choice.tsx";

export type InboxView = "mine" | "queued" | "all";

interface Props {
  view: InboxView;
  mine: string[];
  stores: Map<string, ConversationStore>;
  directory: Directory | null;
  selected: string | null;
  onSelect(id: string): void;
  onList(ids: string[]): void;
}

const STATES: ConversationState[] = ["queued", "serving", "transferring", "offline", "ended"];

export function Inbox(props: Props) {
  if (props.view === "mine") return <MineList {...props} />;
  if (props.view === "queued") return <QueuedList {...props} />;
  return <AllList {...props} />;
}

function MineList({ mine, stores, selected, onSelect, onList }: Props) {
  const t = useT();
  onList(mine);
  return (
    <aside class="list" data-testid="inbox-mine">
      {mine.length === 0 && <p class="muted pad">{t("no_conversations")}</p>}
      {mine.map((id) => {
        const s = stores.get(id);
        const unread = s?.unread() ?? 0;
        return (
          <Row
            key={id}
            id={id}
            title={s?.snapshot ? visitorLabel(t("visitor"), s.snapshot.contact.name, s.snapshot.contact.id, s.snapshot.context.channel) : id}
            preview={s?.lastMessage() ?? ""}
            state={s?.state ?? null}
            unread={unread}
            selected={selected === id}
            onSelect={onSelect}
          />
        );
      })}
    </aside>
  );
}

/** Waiting conversations, grouped by the skill group whose queue holds them, in serving order: one request. */
function QueuedList({ directory, selected, onSelect, onList }: Props) {
  const t = useT();
  const [queues, setQueues] = useState<QueueList["items"]>([]);
  useEffect(() => {
    let live = true;
    const load = async () => {
      const list = await api<QueueList>("/api/queues");
      if (live) setQueues(list.items.filter((g) => g.entries.length > 0));
    };
    void load().catch(() => {});
    const timer = setInterval(() => void load().catch(() => {}), 10_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  onList(queues.flatMap((g) => g.entries.map((e) => e.conversation?.id)).filter((id): id is string => !!id));
  const name = (g: string) => directory?.groups.find((x) => x.id === g)?.name ?? g;
  return (
    <aside class="list" data-testid="inbox-queued">
      {queues.length === 0 && <p class="muted pad">{t("no_conversations")}</p>}
      {queues.map((g) => (
        <div key={g.group_id} data-group={g.group_id}>
          <h3 class="group-head">
            {name(g.group_id)} <span class="muted">{g.waiting}</span>
          </h3>
          {g.entries.map(({ conversation: row, position }) =>
            row ? (
              <Row
                key={row.id}
                id={row.id}
                title={`#${position} · ${visitorLabel(t("visitor"), null, row.contact_id, row.channel)}`}
                preview={row.last_message_preview ?? ""}
                state="queued"
                unread={0}
                selected={selected === row.id}
                onSelect={onSelect}
              />
            ) : null,
          )}
        </div>
      ))}
    </aside>
  );
}

const CHANNELS = ["web", "h5", "app", "wechat", "form", "email", "api"];

function AllList({ selected, onSelect, onList, directory }: Props) {
  const t = useT();
  const [state, setState] = useState<ConversationState | "">("");
  const [channel, setChannel] = useState("");
  const [group, setGroup] = useState("");
  const [rows, setRows] = useState<ConversationRow[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const load = async (from: string | null) => {
    const q = new URLSearchParams({ limit: "50", ...(state ? { state } : {}), ...(channel ? { channel } : {}), ...(group ? { group_id: group } : {}), ...(from ? { cursor: from } : {}) });
    const page = await api<ConversationPage>(`/api/conversations?${q}`);
    setRows((r) => (from ? [...r, ...page.items] : page.items));
    setCursor(page.next_cursor);
  };
  useEffect(() => {
    void load(null).catch(() => {});
    const timer = setInterval(() => void load(null).catch(() => {}), 15_000);
    return () => clearInterval(timer);
  }, [state, channel, group]);
  onList(rows.map((r) => r.id));
  return (
    <aside class="list" data-testid="inbox-all">
      <div class="filters">
        <Choice name="state" value={state} values={STATES} label={(s) => t(`state_${s}`)} any={t("any_state")} ariaLabel={t("state")} onChange={setState} />
        <Choice name="channel" value={channel} values={CHANNELS} any={t("any_channel")} ariaLabel={t("channel")} onChange={setChannel} />
        <select name="group" value={group} aria-label={t("group")} onChange={(e) => setGroup((e.target as HTMLSelectElement).value)}>
          <option value="">{t("any_group")}</option>
          {(directory?.groups ?? []).map((g) => (
            <option key={g.id} value={g.id}>
              {g.name}
            </option>
          ))}
        </select>
      </div>
      <SummaryRows rows={rows} selected={selected} onSelect={onSelect} />
      {cursor && (
        <button class="more" onClick={() => void load(cursor)}>
          {t("load_more")}
        </button>
      )}
    </aside>
  );
}

/** Conversations from the list API, one row each (no unread count: the list does not know it). */
export function SummaryRows({ rows, selected, onSelect }: { rows: ConversationRow[]; selected: string | null; onSelect(id: string): void }) {
  const t = useT();
  if (rows.length === 0) return <p class="muted pad">{t("no_conversations")}</p>;
  return (
    <>
      {rows.map((row) => (
        <Row
          key={row.id}
          id={row.id}
          title={visitorLabel(t("visitor"), null, row.contact_id, row.channel)}
          preview={row.last_message_preview ?? ""}
          state={row.state}
          unread={0}
          at={row.last_message_at ?? row.updated_at}
          selected={selected === row.id}
          onSelect={onSelect}
        />
      ))}
    </>
  );
}

export function Row(props: {
  id: string;
  title: string;
  preview: string;
  state: ConversationState | null;
  unread: number;
  at?: number;
  selected: boolean;
  onSelect(id: string): void;
}) {
  const t = useT();
  return (
    <button class={`row ${props.selected ? "selected" : ""}`} data-conversation={props.id} onClick={() => props.onSelect(props.id)}>
      <span class="row-top">
        <span class="row-title">{props.title}</span>
        {props.unread > 0 && (
          <span class="badge" data-testid="unread">
            {props.unread}
          </span>
        )}
      </span>
      <span class="row-preview">{props.preview || "\u00a0"}</span>
      <span class="row-meta">
        {props.state && <span class={`pill ${props.state}`}>{t(`state_${props.state}`)}</span>}
        {props.at && <span class="muted">{new Date(props.at).toLocaleTimeString()}</span>}
      </span>
    </button>
  );
}

/** "Li Lei · web", or "Visitor 7m8p · web" for a visitor who gave no name. */
export function visitorLabel(word: string, name: string | null | undefined, contactId: string, channel: string): string {
  return `${name || `${word} ${contactId.slice(-4)}`} · ${channel}`;
}
