CREATE TABLE `attachment_policies` (
	`workspace_id` text PRIMARY KEY NOT NULL,
	`body` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `attachments` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`uploaded_by` text NOT NULL,
	`r2_key` text NOT NULL,
	`name` text NOT NULL,
	`mime` text NOT NULL,
	`size` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `attachments_conversation` ON `attachments` (`workspace_id`,`conversation_id`);--> statement-breakpoint
CREATE TABLE `channel_inbox` (
	`workspace_id` text NOT NULL,
	`dedup_key` text NOT NULL,
	`channel` text NOT NULL,
	`payload` text NOT NULL,
	`status` text NOT NULL,
	`conversation_id` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`received_at` integer NOT NULL,
	`processed_at` integer,
	PRIMARY KEY(`workspace_id`, `dedup_key`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `channel_inbox_status` ON `channel_inbox` (`status`,`received_at`);--> statement-breakpoint
CREATE TABLE `channel_secrets` (
	`workspace_id` text NOT NULL,
	`purpose` text NOT NULL,
	`secret` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `purpose`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `channel_threads` (
	`workspace_id` text NOT NULL,
	`thread_key` text NOT NULL,
	`conversation_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`channel` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `thread_key`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `channel_threads_conversation` ON `channel_threads` (`conversation_id`);--> statement-breakpoint
CREATE TABLE `email_inboxes` (
	`address` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`name` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `email_inboxes_workspace` ON `email_inboxes` (`workspace_id`);--> statement-breakpoint
CREATE TABLE `email_messages` (
	`workspace_id` text NOT NULL,
	`message_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `message_id`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `wechat_accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`kind` text NOT NULL,
	`app_id` text NOT NULL,
	`app_secret` text NOT NULL,
	`token` text NOT NULL,
	`encoding_aes_key` text,
	`mode` text NOT NULL,
	`access_token` text,
	`access_token_expires_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `wechat_accounts_workspace_app` ON `wechat_accounts` (`workspace_id`,`app_id`);--> statement-breakpoint
ALTER TABLE `contacts` ADD `merged_into` text;