// The D1 schema, one file per area; drizzle-kit reads it from here (drizzle.config.ts).
export * from './schema/core'
export * from './schema/pipelines'
export * from './schema/jobs'
export * from './schema/evaluation'
