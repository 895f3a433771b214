import { and, asc, eq } from "drizzle-orm";
import { DEFAULT_SAMPLING, SamplingRule, type ScorecardBody } from "../../src/qa/index.ts";
import { newId, SwitchboardError } from "../../src/model/index.ts";
import { type Database, schema } from "../db.ts";

export async function samplingRule(db: Database, workspaceId: string): Promise<SamplingRule> {
  const row = (await db.select().from(schema.qaSettings).where(eq(schema.qaSettings.workspaceId, workspaceId)).limit(1))[0];
  return row ? SamplingRule.parse(row.rule) : DEFAULT_SAMPLING;
}

export async function saveSamplingRule(db: Database, workspaceId: string, rule: SamplingRule, now = Date.now()): Promise<SamplingRule> {
  await db
    .insert(schema.qaSettings)
    .values({ workspaceId, rule, updatedAt: now })
    .onConflictDoUpdate({ target: schema.qaSettings.workspaceId, set: { rule, updatedAt: now } });
  return rule;
}

type ScorecardRow = typeof schema.qaScorecards.$inferSelect;

export function scorecardView(r: ScorecardRow) {
  return { id: r.id, name: r.name, criteria: r.criteria as ScorecardBody["criteria"], pass_mark: r.passMark, created_at: r.createdAt };
}

export async function createScorecard(db: Database, workspaceId: string, body: ScorecardBody, now = Date.now()) {
  const t = schema.qaScorecards;
  const taken = await db.select({ id: t.id }).from(t).where(and(eq(t.workspaceId, workspaceId), eq(t.name, body.name))).limit(1);
  if (taken.length > 0) throw new SwitchboardError("invalid_request", `a scorecard named ${body.name} exists`);
  const row = { id: newId("scorecard", now), workspaceId, name: body.name, criteria: body.criteria, passMark: body.pass_mark, createdAt: now };
  await db.insert(t).values(row);
  return scorecardView(row);
}

export async function listScorecards(db: Database, workspaceId: string) {
  const t = schema.qaScorecards;
  return (await db.select().from(t).where(eq(t.workspaceId, workspaceId)).orderBy(asc(t.createdAt))).map(scorecardView);
}

export async function getScorecard(db: Database, workspaceId: string, id: string) {
  const t = schema.qaScorecards;
  const row = (await db.select().from(t).where(and(eq(t.workspaceId, workspaceId), eq(t.id, id))).limit(1))[0];
  if (!row) throw new SwitchboardError("invalid_request", `no scorecard ${id} in this workspace`);
  return scorecardView(row);
}
