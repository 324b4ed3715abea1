ALTER TABLE `analyses` ADD `status_reason` text;--> statement-breakpoint
ALTER TABLE `analyses` ADD `deadline_at` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD `status_reason` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD `deadline_at` text;