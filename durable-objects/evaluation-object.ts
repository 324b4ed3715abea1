import { DurableObject } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { connect } from '../src/db/client'
import { evaluations } from '../src/db/schema'
import { markFailed } from '../src/domain/evaluations/records'
import { deleteResult } from '../src/domain/evaluations/result-store'
import { runEvaluation } from '../src/domain/evaluations/run'

// An evaluation that kills its isolate (memory, CPU) is retried by the alarm; past this it is failed.
const MAX_ATTEMPTS = 3

/** The stub of an evaluation's object; its name is the evaluation id. */
export const evaluationStub = (env: Env, evaluationId: string) => env.EVALUATION.getByName(evaluationId)

/**
 * Runs one large evaluation in the background, in an alarm: an alarm has 15 minutes of wall time
 * where a request has its client waiting, and it is retried if the isolate dies. The evaluation's
 * D1 row is the state; this object keeps only its attempt count. See docs/evaluation.md#where-it-runs.
 */
export class EvaluationObject extends DurableObject<Env> {
  async start(): Promise<void> {
    await this.ctx.storage.setAlarm(Date.now())
  }

  override async alarm(): Promise<void> {
    const id = this.ctx.id.name!
    const access = connect(this.env.DB)
    const { db } = access
    const row = await db.select().from(evaluations).where(eq(evaluations.id, id)).get()
    if (!row || row.status === 'completed' || row.status === 'failed') return
    const attempts = (this.ctx.storage.kv.get<number>('attempts') ?? 0) + 1
    this.ctx.storage.kv.put('attempts', attempts)
    if (attempts > MAX_ATTEMPTS) {
      await markFailed(db, id, new Error('out of memory or time'))
      await db.update(evaluations).set({ errorMessage: `Stopped after ${MAX_ATTEMPTS} attempts: the evaluation outgrew this Worker` }).where(eq(evaluations.id, id)).run()
      return
    }
    const now = new Date().toISOString()
    await db.update(evaluations).set({ status: 'running', startedAt: row.startedAt ?? now }).where(eq(evaluations.id, id)).run()
    try {
      await runEvaluation(access, this.env.BUCKET, row)
    } catch (err) {
      console.error(JSON.stringify({ level: 'error', evaluation: id, message: String(err), stack: (err as Error)?.stack }))
      await markFailed(db, id, err)
      return
    }
    // Deleted while it ran: what it just wrote has no row to belong to.
    if (!(await db.select({ id: evaluations.id }).from(evaluations).where(eq(evaluations.id, id)).get())) await deleteResult(this.env.BUCKET, id)
  }
}
