import { Hono } from "hono";
import { AcceptInvitationBody, ResetPasswordBody } from "../../../src/model/index.ts";
import { createSession } from "../../auth/sessions.ts";
import { acceptInvitation, resetPassword } from "../../auth/user-tokens.ts";
import { database } from "../../db.ts";
import type { AppEnv } from "../app-env.ts";
import { readJson } from "../errors.ts";

/** What a person does with a link an admin gave them: no session needed, the token is the proof. */
export const accountRoutes = new Hono<AppEnv>()
  .post("/invitations/accept", async (c) => {
    const body = await readJson(c, AcceptInvitationBody);
    const db = database(c.env.DB);
    const user = await acceptInvitation(db, body.token, body.password);
    return c.json({ ...(await createSession(db, user)), user }, 201);
  })
  .post("/password-reset", async (c) => {
    const body = await readJson(c, ResetPasswordBody);
    await resetPassword(database(c.env.DB), body.token, body.password);
    return c.body(null, 204);
  });
