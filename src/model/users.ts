import { z } from "zod";
import { UserRole } from "./actor.ts";
import { UserId, WorkspaceId } from "./ids.ts";

/** A password a user sets (invitation, reset): long enough to resist guessing, short enough to hash. */
export const NewPassword = z.string().min(10, "passwords are at least 10 characters").max(200);

export const InvitationBody = z.object({
  email: z.email().max(254),
  name: z.string().trim().min(1).max(100),
  role: UserRole,
});

/** What an admin gets back: the link to hand to the person (it is also logged in development). */
export const IssuedToken = z.object({
  id: z.string(),
  kind: z.enum(["invitation", "password_reset"]),
  email: z.string(),
  /** The single-use secret; only here. */
  token: z.string(),
  link: z.string(),
  expires_at: z.int(),
});

export const AcceptInvitationBody = z.object({ token: z.string().min(10).max(200), password: NewPassword });
export const ResetPasswordBody = z.object({ token: z.string().min(10).max(200), password: NewPassword });

export const ManagedUser = z.object({
  id: UserId,
  workspace_id: WorkspaceId,
  email: z.string(),
  name: z.string(),
  role: UserRole,
  active: z.boolean(),
  created_at: z.int(),
  group_ids: z.array(z.string()),
});

export const UserPatch = z
  .object({ name: z.string().trim().min(1).max(100), role: UserRole })
  .partial()
  .refine((p) => Object.keys(p).length > 0, "change at least one field");
