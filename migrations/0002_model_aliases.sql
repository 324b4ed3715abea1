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
CREATE INDEX `idx_model_aliases_version` ON `model_aliases` (`model_version_id`);