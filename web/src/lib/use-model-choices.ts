import { modelRefChoices } from './model-ref'
import { reviewApi } from './project-review-api'
import { useAsync } from './use-async'

/** The model versions a person can pick on the project-review pages, as `name@version`. */
export function useModelChoices(projectId: string) {
  return useAsync(async (signal) => {
    const [registered, analysed] = await Promise.all([reviewApi.versions(projectId, signal), reviewApi.recentAnalyses(projectId, signal)])
    return modelRefChoices(registered.model_versions, analysed.analyses)
  }, [projectId])
}
