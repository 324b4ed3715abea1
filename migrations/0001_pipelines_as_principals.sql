CREATE TABLE `pipeline_grants` (
	`project_id` text NOT NULL,
	`pipeline_id` text NOT NULL,
	`granted_by_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	PRIMARY KEY(`project_id`, `pipeline_id`),
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`pipeline_id`) REFERENCES `pipelines`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`granted_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `idx_pipeline_grants_pipeline` ON `pipeline_grants` (`pipeline_id`);--> statement-breakpoint
CREATE TABLE `pipeline_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`pipeline_id` text NOT NULL,
	`name` text,
	`key_hash` text NOT NULL,
	`key_prefix` text NOT NULL,
	`created_by_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`expires_at` text,
	`last_used_at` text,
	`revoked_at` text,
	FOREIGN KEY (`pipeline_id`) REFERENCES `pipelines`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pipeline_keys_key_hash_unique` ON `pipeline_keys` (`key_hash`);--> statement-breakpoint
CREATE INDEX `idx_pipeline_keys_pipeline` ON `pipeline_keys` (`pipeline_id`);--> statement-breakpoint
CREATE TABLE `pipeline_secrets` (
	`id` text PRIMARY KEY NOT NULL,
	`pipeline_id` text NOT NULL,
	`purpose` text NOT NULL,
	`salt` text NOT NULL,
	`root_key_id` text NOT NULL,
	`prefix` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`revoked_at` text,
	FOREIGN KEY (`pipeline_id`) REFERENCES `pipelines`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `idx_pipeline_secrets_pipeline` ON `pipeline_secrets` (`pipeline_id`,`purpose`);--> statement-breakpoint
CREATE TABLE `pipelines` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`model_names` text NOT NULL,
	`job_kinds` text NOT NULL,
	`webhook_url` text,
	`webhook_events` text NOT NULL,
	`webhook_disabled_at` text,
	`created_by_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text,
	`disabled_at` text,
	`deleted_at` text,
	FOREIGN KEY (`created_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
ALTER TABLE `analyses` ADD `pipeline_id` text REFERENCES pipelines(id);--> statement-breakpoint
CREATE INDEX `idx_analyses_requester_status` ON `analyses` (`requested_by_id`,`status`);--> statement-breakpoint
CREATE INDEX `idx_analyses_pipeline_status` ON `analyses` (`pipeline_id`,`status`);--> statement-breakpoint
ALTER TABLE `audit_log` ADD `pipeline_id` text;--> statement-breakpoint
CREATE INDEX `idx_audit_log_project` ON `audit_log` (`project_id`,`id`);--> statement-breakpoint
CREATE INDEX `idx_audit_log_pipeline` ON `audit_log` (`pipeline_id`,`id`);--> statement-breakpoint
CREATE INDEX `idx_audit_log_at` ON `audit_log` (`at`);