import { Hono } from "hono";
import { FormSubmission, SwitchboardError } from "../../../src/model/index.ts";
import { describeIssues } from "../../../src/conversation/index.ts";
import { submitForm } from "../../channels/forms.ts";
import type { AppEnv } from "../app-env.ts";
import { readJson } from "../errors.ts";

const THANKS = `<!doctype html><meta charset="utf-8"><title>Message received</title><p>Thank you — we received your message and will get back to you.</p>`;

/**
 * The leave-a-message form endpoint, per workspace (its public widget key in the path). Takes JSON
 * or an HTML form post. Every accepted submission, and a dropped bot submission alike, is answered
 * the same way, so a bot cannot tell the honeypot caught it.
 */
export const formRoutes = new Hono<AppEnv>().post("/:widgetKey", async (c) => {
  const isJson = (c.req.header("content-type") ?? "").includes("application/json");
  let form: FormSubmission;
  if (isJson) {
    form = await readJson(c, FormSubmission);
  } else {
    const fields = await c.req.parseBody();
    // An HTML form sends empty inputs as "": those are fields left out.
    const present = Object.fromEntries(Object.entries(fields).filter(([, v]) => typeof v === "string" && v.trim() !== ""));
    const parsed = FormSubmission.safeParse(present);
    if (!parsed.success) throw new SwitchboardError("invalid_request", "invalid form submission", describeIssues(parsed.error));
    form = parsed.data;
  }
  await submitForm(c.env, c.req.param("widgetKey"), form, { referer: c.req.header("referer"), ip: c.req.header("cf-connecting-ip") });
  if (isJson) return c.json({ status: "received" }, 201);
  if (form._redirect) return c.redirect(form._redirect, 303);
  return c.html(THANKS, 201);
});
