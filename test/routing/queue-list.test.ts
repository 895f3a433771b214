import { describe, expect, it } from "vitest";
import { call, json, waitUntil } from "../support/api.ts";
import { createTeam, userId } from "../support/fixture.ts";
import { createGroup, publishRules, routedVisitor, waitQueued } from "../support/routing.ts";

/** Nobody has a workstation open in these tests, so whoever writes waits in the queue. */
describe("GET /api/queues", () => {
  it("lists each group's waiting conversations in the order they will be served, with their inbox rows", async () => {
    const team = await createTeam();
    const groupId = await createGroup(team.admin, "Support", [userId(team, "agent")]);
    await publishRules(team.admin, {
      rules: [{ id: "vip", name: "VIP", when: [{ type: "contact_tag", any_of: ["vip"] }], then: [{ type: "enqueue", group: groupId, priority: 90 }] }],
      fallback: [{ type: "enqueue", group: groupId, priority: 20 }],
    });
    const ids: string[] = [];
    for (const tags of [[], ["vip"], []]) {
      const v = await routedVisitor(team, { tags });
      await waitQueued(team, groupId, v.conversation_id);
      ids.push(v.conversation_id);
    }
    // The inbox rows come from the D1 index, whose previews the archive queue fills in.
    const list = await waitUntil("every waiting conversation with its inbox row and preview", async () => {
      const body = await json(await call("/api/queues", { token: team.agent }), 200);
      return body.items[0]?.entries.every((e: { conversation: { last_message_preview: string | null } | null }) => e.conversation?.last_message_preview) ? body : undefined;
    });
    expect(list.items).toHaveLength(1);
    const [group] = list.items;
    expect(group).toMatchObject({ group_id: groupId, waiting: 3 });
    expect(group.entries.map((e: any) => [e.position, e.priority, e.conversation.id, e.conversation.state])).toEqual([
      [1, 90, ids[1], "queued"],
      [2, 20, ids[0], "queued"],
      [3, 20, ids[2], "queued"],
    ]);
    expect(group.entries[1].conversation.last_message_preview).toBe("Hello, anyone there?");
  });

  it("lists a group nobody waits in with no entries", async () => {
    const team = await createTeam();
    const groupId = await createGroup(team.admin, "Night desk", [userId(team, "agent")]);
    const body = await json(await call("/api/queues", { token: team.supervisor }), 200);
    expect(body.items).toEqual([{ group_id: groupId, waiting: 0, entries: [] }]);
  });
});
