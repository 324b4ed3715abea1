import { useEffect, useRef, useState } from 'preact/hooks'
import type { z } from 'zod'
import type { JobLiveMessage } from '../../../../src/schemas/job-events'
import type { Stage } from '../../../../src/schemas/runs'
import { liveUrl } from '../../lib/api'
import { connectLive } from '../../lib/live-connection'
import { isTerminal, type LiveMessage } from '../../lib/types'

type Message = z.infer<typeof JobLiveMessage>
/** What a page refetches when the job tells it something changed. */
export type JobPart = 'job' | 'metrics' | 'logs' | 'artifacts'

const PARTS: Partial<Record<Message['type'], JobPart[]>> = {
  status: ['job'],
  progress: ['job'],
  runnable: ['job'],
  dataset: ['job'],
  batch: ['job'],
  model_version: ['job'],
  finalized: ['job', 'artifacts', 'logs'],
  metrics: ['metrics'],
  log: ['logs'],
  artifact: ['artifacts'],
}

/**
 * Follows `GET /api/jobs/{id}/live`: the stages with their timings as the job reports them, and a
 * call to `changed` with what to refetch, at most every 500 ms per part, so a chatty job costs
 * the page a few requests a second. Resumes with `?since=` after a drop, stops once the job is final.
 */
export function useJobLive(jobId: string, changed: (part: JobPart) => void) {
  const [stages, setStages] = useState<Stage[]>([])
  const [connection, setConnection] = useState('connecting')
  const latest = useRef(changed)
  latest.current = changed

  useEffect(() => {
    let seq: number | null = null
    let final = false
    const due = new Map<JobPart, ReturnType<typeof setTimeout>>()
    const touch = (part: JobPart) => {
      if (due.has(part)) return
      due.set(part, setTimeout(() => {
        due.delete(part)
        latest.current(part)
      }, 500))
    }
    const stop = connectLive(
      jobId,
      {
        onMessage(raw: LiveMessage) {
          const message = raw as unknown as Message
          if (message.type === 'connected') setConnection('open')
          if ('seq' in message && typeof message.seq === 'number') seq = Math.max(seq ?? 0, message.seq)
          if ('stages' in message && Array.isArray(message.stages)) setStages(message.stages)
          if ('job' in message && message.job && isTerminal(message.job.status)) final = true
          for (const part of PARTS[message.type] ?? []) touch(part)
        },
        onStatus: setConnection,
        lastSeq: () => seq,
        shouldReconnect: () => !final,
      },
      { url: (since) => liveUrl(jobId, since, location, 'jobs') },
    )
    return () => {
      stop()
      for (const timer of due.values()) clearTimeout(timer)
    }
  }, [jobId])

  return { stages, connection }
}
