import { eq, inArray, or, type SQL } from "drizzle-orm";
import { alias, type SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { UserRole } from "../../src/model/index.ts";
import { type Database, schema } from "../db.ts";

/**
 * Whose work a signed-in user sees in team views (users, tickets): admins everyone's; supervisors
 * their own and that of everyone in the skill groups they belong to; agents their own. Returns a
 * condition on a user-id column (undefined: no restriction). Built from subqueries, so a group of
 * any size costs no bound parameters.
 */
export function visibleTo(db: Database, user: { id: string; role: UserRole }, column: SQLiteColumn): SQL | undefined {
  if (user.role === "admin") return undefined;
  if (user.role === "agent") return eq(column, user.id);
  const theirs = alias(schema.groupMembers, "theirs");
  const mine = db.select({ groupId: schema.groupMembers.groupId }).from(schema.groupMembers).where(eq(schema.groupMembers.userId, user.id));
  const colleagues = db.select({ userId: theirs.userId }).from(theirs).where(inArray(theirs.groupId, mine));
  return or(eq(column, user.id), inArray(column, colleagues));
}
