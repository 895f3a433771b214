import { Hono } from "hono";
import { z } from "zod";
import { ReviewBody, SamplingRule, ScorecardBody } from "../../../src/qa/index.ts";
import { database } from "../../db.ts";
import { agentResults, listReviews, reviewTranscript, sampleDay, submitReview } from "../../qa/reviews.ts";
import { createScorecard, listScorecards, samplingRule, saveSamplingRule } from "../../qa/store.ts";
import type { AppEnv } from "../app-env.ts";
import { authenticate, requireUser } from "../authenticate.ts";
import { readJson, readQuery } from "../errors.ts";

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a day is YYYY-MM-DD");
const ReviewsQuery = z.object({
  status: z.enum(["pending", "done"]).optional(),
  agent_id: z.string().max(64).optional(),
  limit: z.coerce.number().pipe(z.int().min(1).max(200)).default(50),
});
const Range = z.object({ from: Day, to: Day }).refine((r) => r.from <= r.to, { message: "from must not be after to", path: ["from"] });

/** Quality review (质检): sampling, the review queue, scorecards and per-agent results. docs/quality-review.md. */
export const qaRoutes = new Hono<AppEnv>()
  .use("*", authenticate)
  .get("/settings", requireUser("admin", "supervisor"), async (c) => c.json(await samplingRule(database(c.env.DB), c.get("caller").workspace_id)))
  .put("/settings", requireUser("admin"), async (c) => {
    const rule = await readJson(c, SamplingRule);
    return c.json(await saveSamplingRule(database(c.env.DB), c.get("caller").workspace_id, rule));
  })
  .get("/scorecards", requireUser("admin", "supervisor"), async (c) => c.json({ items: await listScorecards(database(c.env.DB), c.get("caller").workspace_id) }))
  .post("/scorecards", requireUser("admin"), async (c) => {
    const body = await readJson(c, ScorecardBody);
    return c.json(await createScorecard(database(c.env.DB), c.get("caller").workspace_id, body), 201);
  })
  .post("/sample", requireUser("admin"), async (c) => {
    const { day } = await readJson(c, z.object({ day: Day }));
    return c.json(await sampleDay(database(c.env.DB), c.env.DB, c.get("caller").workspace_id, day));
  })
  .get("/reviews", requireUser("admin", "supervisor"), async (c) => {
    const q = readQuery(c, ReviewsQuery);
    return c.json({ items: await listReviews(database(c.env.DB), c.get("caller").workspace_id, c.get("user")!, q) });
  })
  .get("/reviews/:id/transcript", requireUser("admin", "supervisor"), async (c) =>
    c.json(await reviewTranscript(database(c.env.DB), c.env.ARCHIVE, c.get("caller").workspace_id, c.get("user")!, c.req.param("id"))),
  )
  .post("/reviews/:id", requireUser("admin", "supervisor"), async (c) => {
    const body = await readJson(c, ReviewBody);
    return c.json(await submitReview(database(c.env.DB), c.get("caller").workspace_id, c.get("user")!, c.req.param("id"), body));
  })
  .get("/results", requireUser(), async (c) => {
    const range = readQuery(c, Range);
    return c.json({ items: await agentResults(database(c.env.DB), c.get("caller").workspace_id, c.get("user")!, range) });
  });
