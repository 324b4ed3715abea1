import { pruneAuditLog } from './retention/audit-retention'
import { log } from './observability/log'
import { continueTrace } from './observability/propagation'
import { purgeDeleted } from './retention/purge'

/**
 * The Cron Trigger's one entry point (wrangler.toml `[triggers]`). Each job runs on its own, in its
 * own trace, and one failing does not stop the rest.
 */
const JOBS: Record<string, (env: Env) => Promise<unknown>> = {
  purge_deleted: (env) => purgeDeleted(env),
  audit_log: (env) => pruneAuditLog(env),
}

export async function scheduled(controller: ScheduledController, env: Env): Promise<void> {
  const failures: unknown[] = []
  await Promise.all(
    Object.entries(JOBS).map(([job, run]) =>
      continueTrace(undefined, async () => {
        try {
          await run(env)
        } catch (err) {
          failures.push(err)
          log.error('scheduled job failed', { job, cron: controller.cron, error: String(err), stack: (err as Error)?.stack })
        }
      }),
    ),
  )
  // Rethrown after every job had its turn, so the Cron's own status shows the failure.
  if (failures.length) throw new AggregateError(failures, `${failures.length} scheduled job(s) failed`)
}
