import { useEffect, useState } from "preact/hooks";
import type { ConversationPage, ConversationRow, Directory, Presence } from "../../shared/wire.ts";
import { api } from "../api.ts";
import { useT } from "../app.tsx";
import { SummaryRows } from "./inbox.tsx";

interface GroupStats {
  id: string;
  name: string;
  stats: {
    waiting: number;
    available_agents: number;
    agents: { user_id: string; presence: Presence; load: number; max_concurrent: number; in_shift: boolean }[];
    assigned: number;
    abandoned: number;
    overflowed: number;
  } | null;
}

/**
 * Supervisors: every queue's live figures and every open conversation. Opening one monitors it
 * silently; an internal note whispers to the agent, a public reply barges in.
 */
export function Monitor({
  directory,
  selected,
  onSelect,
  onList,
}: {
  directory: Directory | null;
  selected: string | null;
  onSelect(id: string): void;
  onList(ids: string[]): void;
}) {
  const t = useT();
  const [groups, setGroups] = useState<GroupStats[]>([]);
  const [rows, setRows] = useState<ConversationRow[]>([]);
  useEffect(() => {
    let live = true;
    const load = async () => {
      const list = await api<{ items: { id: string; name: string }[] }>("/api/admin/skill-groups");
      const withStats = await Promise.all(
        list.items.map(async (g) => ({ ...g, stats: await api(`/api/admin/skill-groups/${g.id}/stats`).catch(() => null) })),
      );
      const [queued, serving, transferring] = await Promise.all(
        (["queued", "serving", "transferring"] as const).map((s) => api<ConversationPage>(`/api/conversations?state=${s}&limit=100`)),
      );
      if (!live) return;
      setGroups(withStats);
      setRows([...queued!.items, ...serving!.items, ...transferring!.items].sort((a, b) => b.updated_at - a.updated_at));
    };
    void load().catch(() => {});
    const timer = setInterval(() => void load().catch(() => {}), 5_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  onList(rows.map((r) => r.id));
  return (
    <aside class="list monitor" data-testid="monitor">
      <h3 class="group-head">{t("queues")}</h3>
      <div class="stats">
        {groups.map((g) => (
          <div class="stat" key={g.id}>
            <div class="stat-head">
              <strong>{g.name}</strong>
              <span>
                <b>{g.stats?.waiting ?? "—"}</b> {t("waiting")} · <b>{g.stats ? `${g.stats.available_agents}/${g.stats.agents.length}` : "—"}</b>{" "}
                {t("agents_available")} · <b>{g.stats?.assigned ?? "—"}</b> {t("assigned_count")}
              </span>
            </div>
            <div class="stat-agents">
              {g.stats?.agents.map((a) => (
                <span key={a.user_id} class={`agent ${a.presence}`} title={a.in_shift ? a.presence : t("off_shift")}>
                  ● {directory?.users.find((u) => u.id === a.user_id)?.name ?? a.user_id} {a.load}/{a.max_concurrent}
                </span>
              ))}
            </div>
          </div>
        ))}
      </div>
      <h3 class="group-head">{t("live_conversations")}</h3>
      <SummaryRows rows={rows} selected={selected} onSelect={onSelect} />
    </aside>
  );
}
