import { z } from "zod";

/** Who is on a conversation. `admin` users act on conversations as supervisors. */
export const Role = z.enum(["visitor", "agent", "supervisor", "bot", "system"]);
export type Role = z.infer<typeof Role>;

export const UserRole = z.enum(["agent", "supervisor", "admin"]);
export type UserRole = z.infer<typeof UserRole>;

/** The identity on every event: a contact (visitor), a user (agent/supervisor), a bot or the system. */
export const Actor = z.object({
  role: Role,
  id: z.string().min(1).max(64),
  name: z.string().max(100).optional(),
});
export type Actor = z.infer<typeof Actor>;

export const Participant = Actor.extend({
  joined_at: z.int(),
  left_at: z.int().optional(),
  dispatched_seq: z.int().nonnegative(),
  delivered_seq: z.int().nonnegative(),
  read_seq: z.int().nonnegative(),
});
export type Participant = z.infer<typeof Participant>;
