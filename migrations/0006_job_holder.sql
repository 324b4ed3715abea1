-- drizzle-kit leaves the ON DELETE clause out of an added column's reference; the schema asks for SET NULL.
ALTER TABLE `jobs` ADD `pipeline_id` text REFERENCES pipelines(id) ON DELETE SET NULL;--> statement-breakpoint
CREATE INDEX `idx_jobs_pipeline` ON `jobs` (`pipeline_id`);
