CREATE TABLE `sla_policies` (
	`workspace_id` text NOT NULL,
	`priority` text NOT NULL,
	`first_reply_minutes` integer NOT NULL,
	`resolution_minutes` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `priority`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `ticket_comments` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`ticket_id` text NOT NULL,
	`kind` text NOT NULL,
	`body` text NOT NULL,
	`author` text NOT NULL,
	`conversation_seq` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `ticket_comments_ticket` ON `ticket_comments` (`ticket_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `ticket_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`workspace_id` text NOT NULL,
	`ticket_id` text NOT NULL,
	`type` text NOT NULL,
	`actor` text NOT NULL,
	`data` text NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `ticket_events_ticket` ON `ticket_events` (`ticket_id`,`id`);--> statement-breakpoint
CREATE TABLE `tickets` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`summary` text NOT NULL,
	`description` text,
	`problem_type` text,
	`priority` text NOT NULL,
	`status` text NOT NULL,
	`owner_id` text,
	`contact_id` text,
	`conversation_id` text,
	`expected_reply_at` integer,
	`first_reply_due_at` integer NOT NULL,
	`resolution_due_at` integer NOT NULL,
	`first_replied_at` integer,
	`due_at` integer,
	`first_reply_breached_at` integer,
	`resolution_breached_at` integer,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`solved_at` integer,
	`closed_at` integer,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `tickets_workspace_created` ON `tickets` (`workspace_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `tickets_workspace_status` ON `tickets` (`workspace_id`,`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `tickets_conversation` ON `tickets` (`workspace_id`,`conversation_id`);--> statement-breakpoint
CREATE INDEX `tickets_contact` ON `tickets` (`workspace_id`,`contact_id`);--> statement-breakpoint
CREATE INDEX `tickets_active_due` ON `tickets` (`status`,`due_at`);