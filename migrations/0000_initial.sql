CREATE TABLE `analyses` (
	`id` text PRIMARY KEY NOT NULL,
	`image_id` text NOT NULL,
	`project_id` text NOT NULL,
	`model_name` text NOT NULL,
	`model_version` text NOT NULL,
	`status` text NOT NULL,
	`error_message` text,
	`parameters` text,
	`provenance` text,
	`requested_by_id` text,
	`external_job_id` text,
	`priority` integer DEFAULT 0 NOT NULL,
	`group_id` text,
	`progress` real DEFAULT 0 NOT NULL,
	`stage` text,
	`annotation_count` integer DEFAULT 0 NOT NULL,
	`version` integer DEFAULT 0 NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`started_at` text,
	`completed_at` text,
	`updated_at` text,
	`deleted_at` text,
	FOREIGN KEY (`image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`requested_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `analyses_external_job_id_unique` ON `analyses` (`external_job_id`);--> statement-breakpoint
CREATE INDEX `idx_ml_analyses_image_id` ON `analyses` (`image_id`);--> statement-breakpoint
CREATE INDEX `idx_ml_analyses_status` ON `analyses` (`status`);--> statement-breakpoint
CREATE INDEX `idx_ml_analyses_model_name` ON `analyses` (`model_name`);--> statement-breakpoint
CREATE INDEX `idx_ml_analyses_project_id` ON `analyses` (`project_id`);--> statement-breakpoint
CREATE INDEX `idx_ml_analyses_group_id` ON `analyses` (`group_id`);--> statement-breakpoint
CREATE TABLE `annotations` (
	`id` text PRIMARY KEY NOT NULL,
	`analysis_id` text NOT NULL,
	`annotation_type` text NOT NULL,
	`class_name` text,
	`confidence` real,
	`data` text NOT NULL,
	`storage_path` text,
	`ordering` integer,
	`content_hash` text NOT NULL,
	`upsert_key` text,
	`review_state` text DEFAULT 'unreviewed' NOT NULL,
	`review_note` text,
	`reviewed_by_id` text,
	`reviewed_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text,
	FOREIGN KEY (`analysis_id`) REFERENCES `analyses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`reviewed_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `idx_ml_annotations_analysis_id` ON `annotations` (`analysis_id`);--> statement-breakpoint
CREATE INDEX `idx_ml_annotations_annotation_type` ON `annotations` (`analysis_id`,`annotation_type`);--> statement-breakpoint
CREATE UNIQUE INDEX `uq_annotations_content_hash` ON `annotations` (`analysis_id`,`content_hash`);--> statement-breakpoint
CREATE UNIQUE INDEX `uq_annotations_upsert_key` ON `annotations` (`analysis_id`,`upsert_key`);--> statement-breakpoint
CREATE TABLE `api_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`kind` text DEFAULT 'api' NOT NULL,
	`name` text,
	`token_hash` text NOT NULL,
	`token_prefix` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`expires_at` text,
	`last_used_at` text,
	`revoked_at` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_token_hash_unique` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `idx_api_tokens_user_id` ON `api_tokens` (`user_id`);--> statement-breakpoint
CREATE TABLE `artifacts` (
	`id` text PRIMARY KEY NOT NULL,
	`analysis_id` text NOT NULL,
	`artifact_type` text NOT NULL,
	`filename` text NOT NULL,
	`storage_path` text NOT NULL,
	`content_type` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`bytes` integer,
	`sha256` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`uploaded_at` text,
	FOREIGN KEY (`analysis_id`) REFERENCES `analyses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `artifacts_storage_path_unique` ON `artifacts` (`storage_path`);--> statement-breakpoint
CREATE INDEX `idx_artifacts_analysis_id` ON `artifacts` (`analysis_id`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`actor_type` text NOT NULL,
	`actor_id` text,
	`action` text NOT NULL,
	`target_type` text,
	`target_id` text,
	`project_id` text,
	`request_id` text,
	`details` text
);
--> statement-breakpoint
CREATE INDEX `idx_audit_log_target` ON `audit_log` (`target_type`,`target_id`);--> statement-breakpoint
CREATE INDEX `idx_audit_log_action` ON `audit_log` (`action`,`at`);--> statement-breakpoint
CREATE TABLE `images` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`filename` text NOT NULL,
	`content_type` text NOT NULL,
	`width` integer,
	`height` integer,
	`bytes` integer,
	`sha256` text,
	`storage_key` text NOT NULL,
	`status` text DEFAULT 'ready' NOT NULL,
	`uploaded_by_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`deleted_at` text,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`uploaded_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `idx_images_project_id` ON `images` (`project_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `project_members` (
	`project_id` text NOT NULL,
	`user_id` text NOT NULL,
	`role` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	PRIMARY KEY(`project_id`, `user_id`),
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `idx_project_members_user_id` ON `project_members` (`user_id`);--> statement-breakpoint
CREATE TABLE `projects` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`owner_id` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text,
	`deleted_at` text,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);