import { eq } from 'drizzle-orm'
import type { DataAccess } from '../src/db/client'
import { datasetSnapshots, projects } from '../src/db/schema'
import { failSnapshot, freezeSnapshot } from '../src/domain/datasets/freeze'
import type { DatasetSnapshot } from '../src/schemas/datasets'
import { toSnapshot } from '../src/domain/serialize'

const FREEZE_KEY = 'freeze'
const MAX_ATTEMPTS = 3
const RETRY_BASE_MS = 5000

interface FreezeTask {
  snapshot_id: string
  attempts: number
  next_at: number
}

export type FreezeOutcome = { kind: 'ready'; dataset: DatasetSnapshot } | { kind: 'failed'; message: string } | { kind: 'retry' } | { kind: 'none' }

/**
 * The job's dataset, frozen by the job's own object from its alarm, so a large project never holds
 * a request open. The task survives eviction in the object's storage; a failed attempt is retried
 * with backoff, and the third failure fails the snapshot (and the job).
 */
export class JobDataset {
  constructor(
    private readonly kv: SyncKvStorage,
    private readonly data: DataAccess,
    private readonly bucket: R2Bucket,
  ) {}

  /** Whether the job's inputs are ready; a pending snapshot this job must freeze becomes its task. */
  async check(jobId: string, snapshotId: string | null): Promise<{ ready: boolean; failed: string | null }> {
    if (!snapshotId) return { ready: true, failed: null }
    const row = await this.data.db.select().from(datasetSnapshots).where(eq(datasetSnapshots.id, snapshotId)).get()
    if (!row || row.status === 'failed') return { ready: false, failed: row?.errorMessage ?? 'the dataset snapshot is gone' }
    if (row.status === 'pending' && row.jobId === jobId && !this.task()) this.kv.put(FREEZE_KEY, { snapshot_id: snapshotId, attempts: 0, next_at: Date.now() } satisfies FreezeTask)
    return { ready: row.status === 'ready', failed: null }
  }

  /** When the alarm must run for the freeze, or null when there is nothing to freeze. */
  due(): number | null {
    return this.task()?.next_at ?? null
  }

  async run(projectId: string, jobEnded: boolean): Promise<FreezeOutcome> {
    const task = this.task()
    if (!task || task.next_at > Date.now()) return { kind: 'none' }
    if (jobEnded) {
      await failSnapshot(this.data.db, task.snapshot_id, 'the job ended before its dataset was frozen')
      this.kv.delete(FREEZE_KEY)
      return { kind: 'none' }
    }
    try {
      const project = await this.data.db.select({ id: projects.id, name: projects.name }).from(projects).where(eq(projects.id, projectId)).get()
      const row = await freezeSnapshot(this.data.db, this.data.d1, this.bucket, task.snapshot_id, project!)
      this.kv.delete(FREEZE_KEY)
      if (!row) return { kind: 'failed', message: 'the dataset snapshot is gone' }
      return row.status === 'ready' ? { kind: 'ready', dataset: toSnapshot(row) } : { kind: 'failed', message: row.errorMessage ?? 'the dataset snapshot failed' }
    } catch (err) {
      const attempts = task.attempts + 1
      const message = `dataset snapshot failed: ${String((err as Error)?.message ?? err)}`
      console.warn(JSON.stringify({ level: 'warn', message: 'dataset freeze failed', snapshot: task.snapshot_id, attempts, error: String(err) }))
      if (attempts < MAX_ATTEMPTS) {
        this.kv.put(FREEZE_KEY, { ...task, attempts, next_at: Date.now() + RETRY_BASE_MS * 2 ** attempts } satisfies FreezeTask)
        return { kind: 'retry' }
      }
      await failSnapshot(this.data.db, task.snapshot_id, message)
      this.kv.delete(FREEZE_KEY)
      return { kind: 'failed', message }
    }
  }

  private task(): FreezeTask | undefined {
    return this.kv.get<FreezeTask>(FREEZE_KEY)
  }
}
