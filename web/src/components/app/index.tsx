import { ErrorBoundary as LazyBoundary, LocationProvider, Route, Router, lazy } from 'preact-iso'
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks'
import { ApiError, api, setUnauthorizedHandler } from '../../lib/api'
import type { Me } from '../../lib/types'
import { AuthContext } from '../../lib/use-auth'
import NotFound from '../../pages/not-found'
import ProjectPage from '../../pages/project'
import Projects from '../../pages/projects'
import SignIn from '../../pages/sign-in'
import { ErrorBoundary } from '../error-boundary'
import { Header } from '../header'
import { ErrorState, Loading } from '../states'
import styles from './style.module.css'

// The image and compare screens carry the canvas, RLE and review code; the first screen does not need it.
const ImagePage = lazy(() => import('../../pages/image'))
const ComparePage = lazy(() => import('../../pages/compare'))
const PipelinesPage = lazy(() => import('../../pages/pipelines'))
const PipelinePage = lazy(() => import('../../pages/pipelines/detail'))
const ProjectGrantsPage = lazy(() => import('../../pages/pipelines/grants'))
const ProjectAuditPage = lazy(() => import('../../pages/pipelines/audit'))
const DatasetPage = lazy(() => import('../../pages/dataset'))
// Jobs and model versions bring the chart library; nothing else loads it.
const JobsPage = lazy(() => import('../../pages/jobs'))
const JobPage = lazy(() => import('../../pages/jobs/detail'))
const ModelsPage = lazy(() => import('../../pages/models'))
// Evaluation, project-wide review and version comparison carry their own charts and lists.
const EvaluationsPage = lazy(() => import('../../pages/evaluations'))
const EvaluationPage = lazy(() => import('../../pages/evaluations/detail'))
const ReviewQueuePage = lazy(() => import('../../pages/review-queue'))
const ProjectComparePage = lazy(() => import('../../pages/project-compare'))
const DashboardPage = lazy(() => import('../../pages/dashboard'))

type AuthState = { status: 'checking' } | { status: 'signed-out' } | { status: 'signed-in'; me: Me } | { status: 'error'; error: Error }

export function App() {
  const [auth, setAuth] = useState<AuthState>({ status: 'checking' })

  const check = useCallback(() => {
    setAuth({ status: 'checking' })
    api.me().then(
      (me) => setAuth({ status: 'signed-in', me }),
      (error: Error) => setAuth(error instanceof ApiError && error.isUnauthorized ? { status: 'signed-out' } : { status: 'error', error }),
    )
  }, [])

  useEffect(() => {
    check()
    // A session that expires mid-way sends any screen back to sign-in, keeping the URL.
    setUnauthorizedHandler(() => setAuth({ status: 'signed-out' }))
    return () => setUnauthorizedHandler(null)
  }, [check])

  const authValue = useMemo(
    () =>
      auth.status === 'signed-in'
        ? {
            me: auth.me,
            signOut: async () => {
              await api.signOut().catch(() => {})
              setAuth({ status: 'signed-out' })
            },
          }
        : null,
    [auth],
  )

  return (
    <ErrorBoundary>
      <LocationProvider>
        <a class={styles.skip} href="#main">
          Skip to content
        </a>
        {auth.status === 'checking' && <Loading label="Checking your session…" />}
        {auth.status === 'error' && <ErrorState error={auth.error} retry={check} title="Could not reach Loupe" />}
        {auth.status === 'signed-out' && <SignIn onSignedIn={(me) => setAuth({ status: 'signed-in', me })} />}
        {authValue && (
          <AuthContext.Provider value={authValue}>
            <div class={styles.shell}>
              <Header />
              <main id="main" class={styles.main} tabIndex={-1}>
                <LazyBoundary>
                  <Router>
                    <Route path="/" component={Projects} />
                    <Route path="/projects/:projectId" component={ProjectPage} />
                    <Route path="/projects/:projectId/dataset" component={DatasetPage} />
                    <Route path="/images/:imageId" component={ImagePage} />
                    <Route path="/images/:imageId/compare" component={ComparePage} />
                    <Route path="/pipelines" component={PipelinesPage} />
                    <Route path="/pipelines/:pipelineId" component={PipelinePage} />
                    <Route path="/projects/:projectId/pipelines" component={ProjectGrantsPage} />
                    <Route path="/projects/:projectId/audit" component={ProjectAuditPage} />
                    <Route path="/projects/:projectId/jobs" component={JobsPage} />
                    <Route path="/projects/:projectId/models" component={ModelsPage} />
                    <Route path="/jobs/:jobId" component={JobPage} />
                    <Route path="/projects/:projectId/evaluations" component={EvaluationsPage} />
                    <Route path="/evaluations/:evaluationId" component={EvaluationPage} />
                    <Route path="/projects/:projectId/review" component={ReviewQueuePage} />
                    <Route path="/projects/:projectId/compare" component={ProjectComparePage} />
                    <Route path="/projects/:projectId/dashboard" component={DashboardPage} />
                    <Route default component={NotFound} />
                  </Router>
                </LazyBoundary>
              </main>
            </div>
          </AuthContext.Provider>
        )}
      </LocationProvider>
    </ErrorBoundary>
  )
}
