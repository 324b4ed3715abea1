ALTER TABLE `analyses` ADD `lease_token` text;--> statement-breakpoint
ALTER TABLE `analyses` ADD `lease_expires_at` text;--> statement-breakpoint
ALTER TABLE `analyses` ADD `claims` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `jobs` ADD `lease_token` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD `lease_expires_at` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD `claims` integer DEFAULT 0 NOT NULL;