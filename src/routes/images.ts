import { createRoute } from '@hono/zod-openapi'
import { createRouter } from '../http/router'
import { bodyLimit } from 'hono/body-limit'
import { currentUser, requirePrincipal, requireUser } from '../auth/middleware'
import { currentPrincipal } from '../auth/principal'
import { completeUpload, createUploadTicket, getImageWithUrl, listImages, storeUploadedImage } from '../domain/images'
import { deleteImage } from '../domain/deletion'
import { asPrincipal, asUser, asUserWithJson } from './access'
import { deletionDeps } from './deletion'
import { conditionalRead } from '../http/conditional'
import { AppError } from '../errors'
import { requestOrigin } from '../http/context'
import { jsonContent, jsonRequest, principalSecurity, userSecurity } from './openapi'
import { errorResponses, Pagination } from '../schemas/common'
import { Image, ImageList, ImageUploadForm, ImageUploadIntent, ImageUploadTicket, MAX_IMAGE_BYTES } from '../schemas/images'
import { ImageParam, ProjectParam } from './params'

// Multipart framing adds a little on top of the file itself.
const multipartLimit = bodyLimit({
  maxSize: MAX_IMAGE_BYTES + 64 * 1024,
  onError: () => {
    throw new AppError(413, 'payload_too_large', `Images may be at most ${MAX_IMAGE_BYTES} bytes; use an upload ticket for larger files`)
  },
})

export const imageRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/projects/{project_id}/images',
      tags: ['Images'],
      summary: 'Upload an image (multipart field `file`, up to 25 MB)',
      security: userSecurity,
      middleware: [requireUser, multipartLimit] as const,
      request: { params: ProjectParam, body: { content: { 'multipart/form-data': { schema: ImageUploadForm } }, required: true } },
      responses: { 201: jsonContent(Image, 'Stored; width and height come from the file header'), ...errorResponses(400, 401, 403, 404, 413, 415) },
    }),
    async (c) => {
      const type = c.req.header('Content-Type') ?? ''
      if (!type.toLowerCase().startsWith('multipart/form-data')) {
        throw new AppError(415, 'unsupported_media_type', 'Send the image as multipart/form-data with a field named file')
      }
      let form: Record<string, unknown>
      try {
        form = await c.req.parseBody()
      } catch {
        throw new AppError(400, 'bad_request', 'Malformed multipart body')
      }
      const file = form.file
      if (!(file instanceof File)) throw new AppError(400, 'validation_error', 'Multipart field "file" is required', { path: ['file'] })
      const image = await storeUploadedImage(c.get('db'), c.env.BUCKET, currentUser(c), c.req.valid('param').project_id, file, c.get('requestId'))
      return c.json(image, 201)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/projects/{project_id}/images/uploads',
      tags: ['Images'],
      summary: 'Start a presigned upload for a large image',
      description: 'PUT the bytes to `upload_url` with the given headers, then call `POST /api/images/{image_id}/complete`.',
      ...asUserWithJson,
      request: { params: ProjectParam, body: jsonRequest(ImageUploadIntent) },
      responses: { 201: jsonContent(ImageUploadTicket, 'Upload ticket'), ...errorResponses(400, 401, 403, 404, 415) },
    }),
    async (c) =>
      c.json(
        await createUploadTicket(c.get('db'), c.get('config'), requestOrigin(c), currentUser(c), c.req.valid('param').project_id, c.req.valid('json'), c.get('requestId')),
        201,
      ),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/images/{image_id}/complete',
      tags: ['Images'],
      summary: 'Finish a presigned upload: reads the size from the stored bytes',
      ...asUser,
      request: { params: ImageParam },
      responses: { 200: jsonContent(Image, 'Ready'), ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => c.json(await completeUpload(c.get('db'), c.env.BUCKET, currentUser(c), c.req.valid('param').image_id), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/projects/{project_id}/images',
      tags: ['Images'],
      summary: 'Images of a project, newest first, with a summary of their analyses',
      ...asPrincipal,
      request: { params: ProjectParam, query: Pagination },
      responses: { 200: jsonContent(ImageList, 'A page of images'), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const { skip, limit } = c.req.valid('query')
      return c.json(await listImages(c.get('db'), currentPrincipal(c), c.req.valid('param').project_id, skip, limit), 200)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/images/{image_id}',
      tags: ['Images'],
      summary: 'One image, with a short-lived URL for its bytes',
      description: 'The URL stays the same for half its lifetime, so the ETag matches while it does.',
      security: principalSecurity,
      middleware: [requirePrincipal, conditionalRead] as const,
      request: { params: ImageParam },
      responses: { 200: jsonContent(Image, 'The image'), 304: { description: 'Not modified since the ETag in If-None-Match' }, ...errorResponses(401, 404) },
    }),
    async (c) => c.json(await getImageWithUrl(c.get('db'), c.get('config'), requestOrigin(c), currentPrincipal(c), c.req.valid('param').image_id), 200),
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/images/{image_id}',
      tags: ['Images'],
      summary: 'Soft-delete an image and its analyses (editor or owner)',
      description: 'Running analyses are canceled first. `POST /api/images/{image_id}/restore` brings all of it back within ML_RETENTION_DAYS.',
      ...asUser,
      request: { params: ImageParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      await deleteImage(deletionDeps(c), currentUser(c), c.req.valid('param').image_id)
      return c.body(null, 204)
    },
  )
