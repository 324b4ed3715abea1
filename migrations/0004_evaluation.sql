CREATE TABLE `evaluations` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`name` text,
	`status` text NOT NULL,
	`stage` text,
	`error_message` text,
	`runner` text NOT NULL,
	`model_name` text,
	`model_version` text,
	`group_id` text,
	`ground_truth_source` text NOT NULL,
	`ground_truth_import_id` text,
	`iou_type` text NOT NULL,
	`request` text NOT NULL,
	`stats` text,
	`counts` text,
	`created_by_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`started_at` text,
	`completed_at` text,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`ground_truth_import_id`) REFERENCES `ground_truth_imports`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`created_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `idx_evaluations_project` ON `evaluations` (`project_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `ground_truth` (
	`id` text PRIMARY KEY NOT NULL,
	`import_id` text NOT NULL,
	`image_id` text,
	`coco_image_id` text NOT NULL,
	`coco_id` text,
	`category_id` integer NOT NULL,
	`class_name` text,
	`bbox_x` real,
	`bbox_y` real,
	`bbox_w` real,
	`bbox_h` real,
	`area` real,
	`iscrowd` integer DEFAULT 0 NOT NULL,
	`segmentation` text,
	`keypoints` text,
	`num_keypoints` integer,
	FOREIGN KEY (`import_id`) REFERENCES `ground_truth_imports`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `idx_ground_truth_import` ON `ground_truth` (`import_id`,`coco_image_id`);--> statement-breakpoint
CREATE INDEX `idx_ground_truth_image` ON `ground_truth` (`image_id`,`import_id`);--> statement-breakpoint
CREATE TABLE `ground_truth_images` (
	`import_id` text NOT NULL,
	`image_id` text NOT NULL,
	`coco_image_id` text NOT NULL,
	`width` integer,
	`height` integer,
	PRIMARY KEY(`import_id`, `image_id`),
	FOREIGN KEY (`import_id`) REFERENCES `ground_truth_imports`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `idx_ground_truth_images_image` ON `ground_truth_images` (`image_id`);--> statement-breakpoint
CREATE TABLE `ground_truth_imports` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`name` text,
	`status` text DEFAULT 'importing' NOT NULL,
	`error_message` text,
	`created_by_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`completed_at` text,
	`file_sha256` text,
	`file_bytes` integer DEFAULT 0 NOT NULL,
	`image_count` integer DEFAULT 0 NOT NULL,
	`matched_image_count` integer DEFAULT 0 NOT NULL,
	`object_count` integer DEFAULT 0 NOT NULL,
	`skipped_object_count` integer DEFAULT 0 NOT NULL,
	`categories` text,
	`unmatched_file_names` text,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `idx_ground_truth_imports_project` ON `ground_truth_imports` (`project_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `image_reviews` (
	`image_id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`state` text NOT NULL,
	`note` text,
	`reviewed_by_id` text,
	`reviewed_at` text NOT NULL,
	FOREIGN KEY (`image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`reviewed_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `idx_image_reviews_project` ON `image_reviews` (`project_id`,`state`);--> statement-breakpoint
CREATE TABLE `review_batch_items` (
	`batch_id` text NOT NULL,
	`annotation_id` text NOT NULL,
	`analysis_id` text NOT NULL,
	`prev_state` text NOT NULL,
	`prev_note` text,
	`prev_by_id` text,
	`prev_at` text,
	PRIMARY KEY(`batch_id`, `annotation_id`),
	FOREIGN KEY (`batch_id`) REFERENCES `review_batches`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`annotation_id`) REFERENCES `annotations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `idx_review_batch_items_annotation` ON `review_batch_items` (`annotation_id`);--> statement-breakpoint
CREATE TABLE `review_batches` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`user_id` text,
	`filter` text NOT NULL,
	`count` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`undone_at` text,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `idx_review_batches_project` ON `review_batches` (`project_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `idx_annotations_reviewed` ON `annotations` (`analysis_id`) WHERE review_state <> 'unreviewed';