CREATE TABLE `context_cache` (
	`lookup_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`body` text NOT NULL,
	`fetched_at` integer NOT NULL,
	PRIMARY KEY(`lookup_id`, `contact_id`)
);
--> statement-breakpoint
CREATE TABLE `context_lookups` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`name` text NOT NULL,
	`url_template` text NOT NULL,
	`auth_header_name` text,
	`auth_header_value` text,
	`timeout_ms` integer NOT NULL,
	`cache_ttl_seconds` integer NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `context_lookups_workspace` ON `context_lookups` (`workspace_id`);