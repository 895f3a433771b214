CREATE TABLE `ticket_archive` (
	`workspace_id` text PRIMARY KEY NOT NULL,
	`last_event_id` integer NOT NULL,
	`seq` integer NOT NULL,
	`head_hash` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `ticket_events_workspace` ON `ticket_events` (`workspace_id`,`id`);