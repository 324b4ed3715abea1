CREATE TABLE `rate_limit_refusals` (
	`day` text NOT NULL,
	`scope` text NOT NULL,
	`n` integer NOT NULL,
	PRIMARY KEY(`day`, `scope`)
);
