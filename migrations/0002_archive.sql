CREATE TABLE `archive_dead_letters` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text,
	`conversation_id` text,
	`reason` text NOT NULL,
	`body` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `archive_dead_letters_received` ON `archive_dead_letters` (`received_at`);--> statement-breakpoint
ALTER TABLE `conversations` ADD `archived_seq` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `conversations` ADD `archive_head_hash` text;