import { deadlineOf } from '../domain/runs/deadline'
import { CANCEL_AFTER_HEADER, CancelAfterHeaders } from '../schemas/runs'
import { createRoute } from '@hono/zod-openapi'
import { admitAndWake, jobStub } from '../../durable-objects/job-object'
import { currentUser } from '../auth/middleware'
import { createJob } from '../domain/jobs/create'
import { jobDetail, jobForUser, jobQueue, listJobs } from '../domain/jobs/read'
import { unwrapRpc } from '../errors'
import { requestOrigin } from '../http/context'
import { createRouter } from '../http/router'
import { rpcMeta } from '../observability/rpc-meta'
import { errorResponses } from '../schemas/common'
import { Job, JobCreate, JobDetail, JobList, JobListQuery, JobQueue } from '../schemas/jobs'
import { asUser, asUserWithJson } from './access'
import { jsonContent, jsonRequest } from './openapi'
import { IdParam, ProjectParam } from './params'

/** Creating, listing, reading and canceling a project's jobs (docs/jobs.md). */
export const jobRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/projects/{project_id}/jobs',
      tags: ['Jobs'],
      summary: 'Create a job (queued) in a project (editor or owner)',
      description:
        'Returns at once. The job waits in the project’s queue until it gets a slot (`runnable_at`); a dataset it asks for is frozen ' +
        'by the job itself, and the job is runnable once both are done. See docs/jobs.md#the-queue.',
      ...asUserWithJson,
      request: { params: ProjectParam, headers: CancelAfterHeaders, body: jsonRequest(JobCreate) },
      responses: { 201: jsonContent(JobDetail, 'Created'), ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
    }),
    async (c) => {
      const { project_id } = c.req.valid('param')
      const input = c.req.valid('json')
      const deadline = deadlineOf(input.deadline, c.req.header(CANCEL_AFTER_HEADER)) ?? undefined
      const job = await createJob({ db: c.get('db'), d1: c.get('d1') }, c.get('config'), currentUser(c), project_id, { ...input, deadline }, c.get('requestId'))
      // The new job's object reads its slot and starts freezing its dataset; any job admitted with it hears too.
      await unwrapRpc(jobStub(c.env, job.id).wake(requestOrigin(c)))
      await admitAndWake(c.env, c.get('d1'), project_id)
      const fresh = await jobForUser(c.get('db'), currentUser(c), job.id, 'read')
      return c.json(await jobDetail({ db: c.get('db'), d1: c.get('d1') }, fresh.job), 201)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/projects/{project_id}/jobs',
      tags: ['Jobs'],
      summary: 'The project’s jobs, newest first, filtered by kind, status or model',
      ...asUser,
      request: { params: ProjectParam, query: JobListQuery },
      responses: { 200: jsonContent(JobList, 'A page of jobs'), ...errorResponses(400, 401, 404) },
    }),
    async (c) => c.json(await listJobs(c.get('db'), currentUser(c), c.req.valid('param').project_id, c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/projects/{project_id}/jobs/queue',
      tags: ['Jobs'],
      summary: 'The project’s queue: jobs holding a slot, and the waiting ones in the order they will start',
      ...asUser,
      request: { params: ProjectParam },
      responses: { 200: jsonContent(JobQueue, 'The queue'), ...errorResponses(401, 404) },
    }),
    async (c) => c.json(await jobQueue(c.get('db'), currentUser(c), c.req.valid('param').project_id), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/jobs/{id}',
      tags: ['Jobs'],
      summary: 'A job, with its place in the queue, its dataset, its batch and the versions it registered',
      ...asUser,
      request: { params: IdParam },
      responses: { 200: jsonContent(JobDetail, 'The job'), ...errorResponses(401, 404) },
    }),
    async (c) => {
      const { job } = await jobForUser(c.get('db'), currentUser(c), c.req.valid('param').id, 'read')
      return c.json(await jobDetail({ db: c.get('db'), d1: c.get('d1') }, job), 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/jobs/{id}/cancel',
      tags: ['Jobs'],
      summary: 'Cancel a queued or processing job (editor or owner)',
      description:
        'The pipeline learns of it on its next callback, which answers 409 `job_canceled`, and, if the job was pushed to it, by a `job.canceled` webhook. ' +
        'The job’s slot goes to the next waiting job; a `batch_inference` job cancels its open analyses with it.',
      ...asUser,
      request: { params: IdParam },
      responses: { 200: jsonContent(Job, 'Canceled'), ...errorResponses(401, 403, 404, 409) },
    }),
    async (c) => {
      const id = c.req.valid('param').id
      await jobForUser(c.get('db'), currentUser(c), id, 'write')
      return c.json(await unwrapRpc(jobStub(c.env, id).cancel(currentUser(c).id, { ...rpcMeta(c), origin: requestOrigin(c) })), 200)
    },
  )
