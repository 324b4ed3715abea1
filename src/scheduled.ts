import { pruneAuditLog } from './retention/audit-retention'

/** The Cron Trigger's one entry point (wrangler.toml `[triggers]`): each retention job runs on its own, and one failing does not stop the rest. */
export async function scheduled(_controller: ScheduledController, env: Env): Promise<void> {
  const jobs: Record<string, () => Promise<number>> = { audit_log: () => pruneAuditLog(env) }
  const results = await Promise.allSettled(Object.values(jobs).map((job) => job()))
  Object.keys(jobs).forEach((name, i) => {
    const r = results[i]!
    const line = r.status === 'fulfilled' ? { level: 'info', job: name, deleted: r.value } : { level: 'error', job: name, error: String(r.reason) }
    console.log(JSON.stringify({ message: 'retention', ...line }))
  })
}
