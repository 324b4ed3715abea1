import { eq } from 'drizzle-orm'
import type { DataAccess } from '../../db/client'
import { evaluations } from '../../db/schema'
import type { EvaluationCounts, EvaluationCreate } from '../../schemas/evaluations'
import { evaluate, OUTCOME_FN, OUTCOME_FP, OUTCOME_TP } from '../evaluation'
import { buildInput } from './build-input'
import { writeResult } from './result-store'
import { planEvaluation } from './scope'

export type EvaluationRow = typeof evaluations.$inferSelect

/**
 * Computes a stored evaluation from its request and writes the result: the same code runs in the
 * request (small projects) and in the evaluation's Durable Object (large ones). Re-running it
 * writes the same keys, so a retried alarm is harmless.
 */
export async function runEvaluation(access: DataAccess, bucket: R2Bucket, row: EvaluationRow) {
  const { db, d1 } = access
  const stage = (s: string) => db.update(evaluations).set({ stage: s }).where(eq(evaluations.id, row.id)).run()
  const plan = await planEvaluation(access, row.projectId, row.request as unknown as EvaluationCreate)
  await stage('loading')
  const built = await buildInput(d1, plan)
  await stage('evaluating')
  const result = evaluate(built.input, plan.options)
  await stage('storing')
  await writeResult(bucket, row.id, built, result)

  const { detections: d, groundTruth: g } = result.objects
  const counts: EvaluationCounts = { ...result.summary.counts, tp: 0, fp: 0, fn: 0, known_false_positives: 0, dropped_detections: built.dropped }
  for (let i = 0; i < d.status.length; i++) {
    if (d.status[i] === OUTCOME_TP) counts.tp++
    else if (d.status[i] === OUTCOME_FP) (counts.fp++, built.dtRejected[i] && counts.known_false_positives++)
  }
  for (let i = 0; i < g.status.length; i++) if (g.status[i] === OUTCOME_FN) counts.fn++
  await db
    .update(evaluations)
    .set({ status: 'completed', stage: null, stats: result.summary.stats, counts, completedAt: new Date().toISOString(), errorMessage: null })
    .where(eq(evaluations.id, row.id))
    .run()
  return result.summary
}
