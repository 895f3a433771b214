import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";

/**
 * One per skill group: its waiting queue, agent presence, capacity and load. Routing and
 * assignment arrive with the routing issue; the class is declared now so the binding and its
 * SQLite storage migration exist from the first deploy and need no renaming later.
 */
export class SkillGroupDO extends DurableObject<Env> {}
