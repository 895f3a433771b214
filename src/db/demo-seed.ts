import { hashPassword } from "../auth/index.ts";
import type { UserRole } from "../model/index.ts";
import { newId } from "../model/index.ts";

export interface SeedUser {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  password: string;
  passwordHash: string;
}

export interface SeedWorkspace {
  workspace: { id: string; slug: string; name: string; widgetKey: string; timezone: string; createdAt: number };
  users: SeedUser[];
}

export interface SeedOptions {
  slug: string;
  name: string;
  widgetKey: string;
  /** Fixed IDs keep `npm start` idempotent; tests pass none and get fresh ones. */
  id?: string;
  password: string;
  emailDomain: string;
}

const PEOPLE: Array<{ local: string; name: string; role: UserRole }> = [
  { local: "admin", name: "Ada Admin", role: "admin" },
  { local: "agent1", name: "Alex Agent", role: "agent" },
  { local: "agent2", name: "Bo Agent", role: "agent" },
  { local: "supervisor", name: "Sam Supervisor", role: "supervisor" },
];

/** A workspace with an admin, two agents and a supervisor: the demo seed and every test's fixture. */
export async function buildWorkspaceSeed(options: SeedOptions, now = Date.now()): Promise<SeedWorkspace> {
  const workspaceId = options.id ?? newId("workspace", now);
  const users: SeedUser[] = [];
  for (const person of PEOPLE) {
    users.push({
      id: options.id ? `us_${options.id.slice(3)}${person.local}` : newId("user", now),
      email: `${person.local}@${options.emailDomain}`,
      name: person.name,
      role: person.role,
      password: options.password,
      passwordHash: await hashPassword(options.password),
    });
  }
  return {
    workspace: { id: workspaceId, slug: options.slug, name: options.name, widgetKey: options.widgetKey, timezone: "UTC", createdAt: now },
    users,
  };
}

export const DEMO_SEED: SeedOptions = {
  id: "ws_demo000000000000",
  slug: "demo",
  name: "Demo Company",
  widgetKey: "wk_demo_public_key",
  password: "switchboard-demo",
  emailDomain: "demo.switchboard.test",
};

export interface DemoRouting {
  groups: Array<{ id: string; name: string; policy: "least_loaded" | "round_robin"; members: string[] }>;
  schedules: Array<{ id: string; name: string; body: unknown }>;
  ruleSet: unknown;
}

/** The demo workspace's routing: two skill groups, office hours, and a rule set that uses them. */
export function demoRouting(seed: SeedWorkspace): DemoRouting {
  const id = (role: UserRole, i = 0) => seed.users.filter((u) => u.role === role)[i]!.id;
  const sales = "sg_demo0000000sales";
  const support = "sg_demo00000support";
  const office = "sch_demo00000office";
  return {
    groups: [
      { id: sales, name: "Sales", policy: "least_loaded", members: [id("agent", 0), id("supervisor")] },
      { id: support, name: "Support", policy: "least_loaded", members: [id("agent", 0), id("agent", 1), id("supervisor")] },
    ],
    schedules: [
      {
        id: office,
        name: "Office hours",
        body: {
          timezone: "Asia/Shanghai",
          weekly: ["mon", "tue", "wed", "thu", "fri"].map((day) => ({ day, start: "09:00", end: "21:00" })),
          closures: [{ from: "2027-01-01", to: "2027-01-01", name: "New Year's Day" }],
          extra_openings: [],
        },
      },
    ],
    ruleSet: {
      intent_keywords: { high: ["refund", "退款", "complaint", "投诉"], medium: ["price", "价格", "discount"], low: [] },
      rules: [
        { id: "vip", name: "VIP visitors jump the queue", when: [{ type: "contact_tag", any_of: ["vip"] }], then: [{ type: "raise_priority", by: 30 }] },
        {
          id: "pricing",
          name: "Pricing pages and campaigns go to Sales",
          when: [{ type: "any", of: [{ type: "entry_page", glob: "*/pricing*" }, { type: "utm", field: "medium", in: ["cpc"] }] }],
          then: [{ type: "enqueue", group: sales, priority: 60 }, { type: "overflow", after_seconds: 120, group: support }],
        },
        { id: "refunds", name: "Refunds and complaints first in Support", when: [{ type: "intent", at_least: "high" }], then: [{ type: "enqueue", group: support, priority: 80 }] },
      ],
      fallback: [{ type: "enqueue", group: support, priority: 50 }],
    },
  };
}
