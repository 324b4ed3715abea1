import { sql } from 'drizzle-orm'
import { integer, text } from 'drizzle-orm/sqlite-core'
import { ARTIFACT_STATUSES } from '../../schemas/artifacts'
import { STATUS_REASONS } from '../../schemas/run-statuses'

/** Timestamps are ISO-8601 UTC strings: sortable, readable in `wrangler d1 execute`, and what the API returns. */
export const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`
export const createdAt = () => text('created_at').notNull().default(now)

/** What an uploaded file's row holds, whoever owns it: analysis artifacts and job artifacts alike. */
export const storedFileColumns = () => ({
  filename: text('filename').notNull(),
  storagePath: text('storage_path').notNull().unique(),
  contentType: text('content_type').notNull(),
  status: text('status', { enum: ARTIFACT_STATUSES }).notNull().default('pending'),
  bytes: integer('bytes'),
  sha256: text('sha256'),
  createdAt: createdAt(),
  uploadedAt: text('uploaded_at'),
})

/** A claimed run's lease (docs/dispatch.md#leases): who may act on it is `pipeline_id`, for how long this token says. */
export const leaseColumns = () => ({
  leaseToken: text('lease_token'),
  leaseExpiresAt: text('lease_expires_at'),
  /** How many times the run was claimed: a run whose workers keep dying stops being handed out. */
  claims: integer('claims').notNull().default(0),
})

/** Why a run is where it is when the system moved it (docs/state-machine.md#reasons), and when it must be done by. */
export const controlColumns = () => ({
  statusReason: text('status_reason', { enum: STATUS_REASONS }),
  /** Set at creation (`deadline` or `Cancel-After`): work not done by then is canceled with the reason `deadline`. */
  deadlineAt: text('deadline_at'),
})
