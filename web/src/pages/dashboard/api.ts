/** What the dashboard reads (docs/operations.md#dashboard, #slos): same-origin, errors as `ApiError`. */
import { json } from '../../lib/api'
import type { ProjectActivity, ProjectStatus, SloList } from '../../lib/types'

const enc = encodeURIComponent

export const dashboardApi = {
  activity: (projectId: string, days: number, signal?: AbortSignal) => json<ProjectActivity>('GET', `/api/projects/${enc(projectId)}/activity`, { query: { days }, signal }),
  status: (projectId: string, signal?: AbortSignal) => json<ProjectStatus>('GET', `/api/projects/${enc(projectId)}/status`, { signal }),
  slos: (signal?: AbortSignal) => json<SloList>('GET', '/api/slos', { signal }),
}
