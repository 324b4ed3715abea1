import { z } from '@hono/zod-openapi'
import { Uuid } from '../schemas/common'

/** Path parameters the routes share: a record's own `{id}`, and the ids of what it sits under. */
export const IdParam = z.object({ id: Uuid })
export const ProjectParam = z.object({ project_id: Uuid })
export const ImageParam = z.object({ image_id: Uuid })
export const PipelineParam = z.object({ pipeline_id: Uuid })
