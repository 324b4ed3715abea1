CREATE INDEX `idx_analyses_project_created` ON `analyses` (`project_id`,`created_at`,`id`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `idx_analyses_project_status_created` ON `analyses` (`project_id`,`status`,`created_at`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `idx_analyses_project_model_created` ON `analyses` (`project_id`,`model_name`,`model_version`,`created_at`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `idx_analyses_project_completed` ON `analyses` (`project_id`,`completed_at`,`id`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `idx_analyses_project_annotation_count` ON `analyses` (`project_id`,`annotation_count`,`id`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `idx_analyses_project_id_live` ON `analyses` (`project_id`,`id`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `idx_annotations_analysis_class` ON `annotations` (`analysis_id`,`class_name`);