CREATE TABLE `dataset_snapshots` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`job_id` text,
	`format` text NOT NULL,
	`model_name` text,
	`review` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`storage_key` text NOT NULL,
	`sha256` text,
	`bytes` integer,
	`image_count` integer,
	`sources` text,
	`error_message` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`frozen_at` text,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `idx_dataset_snapshots_project` ON `dataset_snapshots` (`project_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `job_artifacts` (
	`id` text PRIMARY KEY NOT NULL,
	`job_id` text NOT NULL,
	`artifact_type` text NOT NULL,
	`filename` text NOT NULL,
	`storage_path` text NOT NULL,
	`content_type` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`bytes` integer,
	`sha256` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`uploaded_at` text,
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `job_artifacts_storage_path_unique` ON `job_artifacts` (`storage_path`);--> statement-breakpoint
CREATE INDEX `idx_job_artifacts_job_id` ON `job_artifacts` (`job_id`);--> statement-breakpoint
CREATE TABLE `job_metrics` (
	`job_id` text NOT NULL,
	`name` text NOT NULL,
	`step` integer NOT NULL,
	`value` real NOT NULL,
	`epoch` integer,
	`at` text NOT NULL,
	PRIMARY KEY(`job_id`, `name`, `step`),
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`kind` text NOT NULL,
	`model_name` text NOT NULL,
	`model_version` text,
	`model_version_id` text,
	`parameters` text,
	`inputs` text,
	`target_image_ids` text,
	`priority` integer DEFAULT 0 NOT NULL,
	`requested_by_id` text,
	`status` text NOT NULL,
	`error_message` text,
	`progress` real DEFAULT 0 NOT NULL,
	`stage` text,
	`version` integer DEFAULT 0 NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`started_at` text,
	`completed_at` text,
	`updated_at` text,
	`runnable_at` text,
	`dataset_snapshot_id` text,
	`batch_total` integer,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`model_version_id`) REFERENCES `model_versions`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`requested_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`dataset_snapshot_id`) REFERENCES `dataset_snapshots`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `idx_jobs_project_created` ON `jobs` (`project_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `idx_jobs_project_queue` ON `jobs` (`project_id`,`status`,`runnable_at`);--> statement-breakpoint
CREATE INDEX `idx_jobs_model_version_id` ON `jobs` (`model_version_id`);--> statement-breakpoint
CREATE TABLE `model_aliases` (
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`alias` text NOT NULL,
	`model_version_id` text NOT NULL,
	`updated_at` text NOT NULL,
	`updated_by_id` text,
	PRIMARY KEY(`project_id`, `name`, `alias`),
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`model_version_id`) REFERENCES `model_versions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`updated_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `idx_model_aliases_version` ON `model_aliases` (`model_version_id`);--> statement-breakpoint
CREATE TABLE `model_versions` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`version` text NOT NULL,
	`description` text,
	`job_id` text,
	`dataset_snapshot_id` text,
	`dataset_sha256` text,
	`metrics` text NOT NULL,
	`artifacts` text NOT NULL,
	`provenance` text NOT NULL,
	`created_by_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`dataset_snapshot_id`) REFERENCES `dataset_snapshots`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`created_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `uq_model_versions_name_version` ON `model_versions` (`project_id`,`name`,`version`);--> statement-breakpoint
CREATE INDEX `idx_model_versions_job_id` ON `model_versions` (`job_id`);--> statement-breakpoint
CREATE TABLE `project_settings` (
	`project_id` text PRIMARY KEY NOT NULL,
	`job_concurrency` integer DEFAULT 1 NOT NULL,
	`updated_at` text,
	`updated_by_id` text,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`updated_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
ALTER TABLE `analyses` ADD `model_version_id` text REFERENCES model_versions(id);--> statement-breakpoint
ALTER TABLE `analyses` ADD `job_id` text REFERENCES jobs(id);--> statement-breakpoint
CREATE INDEX `idx_analyses_model_version_id` ON `analyses` (`model_version_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `uq_analyses_job_image` ON `analyses` (`job_id`,`image_id`);