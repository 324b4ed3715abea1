CREATE TABLE `deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`webhook_id` text NOT NULL,
	`run_kind` text NOT NULL,
	`run_id` text NOT NULL,
	`event` text NOT NULL,
	`pipeline_id` text,
	`endpoint_url` text NOT NULL,
	`attempt` integer NOT NULL,
	`outcome` text NOT NULL,
	`response_status` integer,
	`latency_ms` integer,
	`response_excerpt` text,
	`error` text,
	`next_attempt_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`pipeline_id`) REFERENCES `pipelines`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `idx_deliveries_run` ON `deliveries` (`run_kind`,`run_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `idx_deliveries_pipeline` ON `deliveries` (`pipeline_id`,`created_at`);