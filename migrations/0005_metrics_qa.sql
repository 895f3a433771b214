CREATE TABLE `metric_conversations` (
	`conversation_id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`seq` integer NOT NULL,
	`state` text NOT NULL,
	`timezone` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `metric_facts` (
	`workspace_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`day` text NOT NULL,
	`hour` integer NOT NULL,
	`channel` text NOT NULL,
	`group_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`started` integer DEFAULT 0 NOT NULL,
	`assignments` integer DEFAULT 0 NOT NULL,
	`queue_waits` integer DEFAULT 0 NOT NULL,
	`queue_wait_ms` integer DEFAULT 0 NOT NULL,
	`first_responses` integer DEFAULT 0 NOT NULL,
	`first_response_ms` integer DEFAULT 0 NOT NULL,
	`visitor_first_responses` integer DEFAULT 0 NOT NULL,
	`visitor_first_response_ms` integer DEFAULT 0 NOT NULL,
	`handled` integer DEFAULT 0 NOT NULL,
	`handle_ms` integer DEFAULT 0 NOT NULL,
	`serving_ms` integer DEFAULT 0 NOT NULL,
	`ended` integer DEFAULT 0 NOT NULL,
	`resolved` integer DEFAULT 0 NOT NULL,
	`unanswered` integer DEFAULT 0 NOT NULL,
	`abandoned` integer DEFAULT 0 NOT NULL,
	`transferred` integer DEFAULT 0 NOT NULL,
	`rated` integer DEFAULT 0 NOT NULL,
	`rating_sum` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`conversation_id`, `day`, `hour`, `channel`, `group_id`, `agent_id`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `metric_facts_workspace_day` ON `metric_facts` (`workspace_id`,`day`,`hour`);--> statement-breakpoint
CREATE TABLE `metric_rollups` (
	`workspace_id` text NOT NULL,
	`day` text NOT NULL,
	`hour` integer NOT NULL,
	`channel` text NOT NULL,
	`group_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`started` integer DEFAULT 0 NOT NULL,
	`assignments` integer DEFAULT 0 NOT NULL,
	`queue_waits` integer DEFAULT 0 NOT NULL,
	`queue_wait_ms` integer DEFAULT 0 NOT NULL,
	`first_responses` integer DEFAULT 0 NOT NULL,
	`first_response_ms` integer DEFAULT 0 NOT NULL,
	`visitor_first_responses` integer DEFAULT 0 NOT NULL,
	`visitor_first_response_ms` integer DEFAULT 0 NOT NULL,
	`handled` integer DEFAULT 0 NOT NULL,
	`handle_ms` integer DEFAULT 0 NOT NULL,
	`serving_ms` integer DEFAULT 0 NOT NULL,
	`ended` integer DEFAULT 0 NOT NULL,
	`resolved` integer DEFAULT 0 NOT NULL,
	`unanswered` integer DEFAULT 0 NOT NULL,
	`abandoned` integer DEFAULT 0 NOT NULL,
	`transferred` integer DEFAULT 0 NOT NULL,
	`rated` integer DEFAULT 0 NOT NULL,
	`rating_sum` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`workspace_id`, `day`, `hour`, `channel`, `group_id`, `agent_id`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `qa_reviews` (
	`conversation_id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`group_id` text NOT NULL,
	`day` text NOT NULL,
	`reasons` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`scorecard_id` text,
	`scores` text,
	`total` real,
	`passed` integer,
	`comment` text,
	`reviewer_id` text,
	`created_at` integer NOT NULL,
	`reviewed_at` integer,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `qa_reviews_workspace_status` ON `qa_reviews` (`workspace_id`,`status`,`day`);--> statement-breakpoint
CREATE INDEX `qa_reviews_workspace_agent` ON `qa_reviews` (`workspace_id`,`agent_id`,`day`);--> statement-breakpoint
CREATE TABLE `qa_scorecards` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`name` text NOT NULL,
	`criteria` text NOT NULL,
	`pass_mark` real NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `qa_scorecards_workspace_name` ON `qa_scorecards` (`workspace_id`,`name`);--> statement-breakpoint
CREATE TABLE `qa_settings` (
	`workspace_id` text PRIMARY KEY NOT NULL,
	`rule` text NOT NULL,
	`sampled_through` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
