CREATE TABLE `audit_log` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`user_id` text NOT NULL,
	`action` text NOT NULL,
	`conversation_id` text,
	`query` text NOT NULL,
	`raw` integer DEFAULT false NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `audit_log_workspace_at` ON `audit_log` (`workspace_id`,`at`);--> statement-breakpoint
CREATE TABLE `conversation_agents` (
	`workspace_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`user_id` text NOT NULL,
	PRIMARY KEY(`conversation_id`, `user_id`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `conversation_agents_user` ON `conversation_agents` (`workspace_id`,`user_id`);--> statement-breakpoint
CREATE TABLE `message_texts` (
	`workspace_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`seq` integer NOT NULL,
	`at` integer NOT NULL,
	`sender_role` text NOT NULL,
	`sender_id` text NOT NULL,
	`visibility` text NOT NULL,
	`text` text NOT NULL,
	PRIMARY KEY(`conversation_id`, `seq`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `message_texts_workspace` ON `message_texts` (`workspace_id`,`at`);--> statement-breakpoint
ALTER TABLE `conversations` ADD `group_id` text;--> statement-breakpoint
ALTER TABLE `conversations` ADD `owner_id` text;--> statement-breakpoint
ALTER TABLE `conversations` ADD `tags` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `conversations` ADD `ended_at` integer;--> statement-breakpoint
CREATE INDEX `conversations_workspace_owner` ON `conversations` (`workspace_id`,`owner_id`,`updated_at`);--> statement-breakpoint
CREATE INDEX `conversations_workspace_group` ON `conversations` (`workspace_id`,`group_id`,`updated_at`);--> statement-breakpoint
CREATE INDEX `conversations_workspace_created` ON `conversations` (`workspace_id`,`created_at`);