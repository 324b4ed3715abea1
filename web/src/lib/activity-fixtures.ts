import type { ProjectActivity } from './types'

/** A three-day activity answer with nothing in it, for tests to fill in the series they are about. */
export function activityOf(overrides: Partial<ProjectActivity> = {}): ProjectActivity {
  const zeros = [0, 0, 0]
  const nulls = [null, null, null]
  return {
    bucket: 'day',
    from: '2026-12-01T00:00:00.000Z',
    to: '2026-12-04T00:00:00.000Z',
    buckets: ['2026-12-01T00:00:00.000Z', '2026-12-02T00:00:00.000Z', '2026-12-03T00:00:00.000Z'],
    analyses: { created: zeros, completed: zeros, failed: zeros, canceled: zeros },
    queue_wait_seconds: { p50: nulls, p95: nulls },
    processing_seconds: { p50: nulls, p95: nulls },
    jobs: { created: zeros, completed: zeros, failed: zeros },
    deliveries: { delivered: zeros, failed: zeros },
    models: [],
    ...overrides,
  }
}
