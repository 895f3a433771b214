import { z } from "zod";
import { UserRole } from "./actor.ts";
import { UserId } from "./ids.ts";

/** The workspace's people and skill groups, as every signed-in user may see them (transfer targets, member lists). */
export const DirectoryUser = z.object({
  id: UserId,
  name: z.string(),
  email: z.string(),
  role: UserRole,
  max_concurrent: z.int().nonnegative(),
  shift_schedule_id: z.string().nullable(),
});
export type DirectoryUser = z.infer<typeof DirectoryUser>;

export const Directory = z.object({
  users: z.array(DirectoryUser),
  groups: z.array(z.object({ id: z.string(), name: z.string() })),
});
export type Directory = z.infer<typeof Directory>;
