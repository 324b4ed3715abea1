import { OpenAPIHono } from '@hono/zod-openapi'
import type { AppEnv } from '../app-env'
import { validationHook } from './validation'

/** Every route file builds its router here, so every validation failure has the one envelope. */
export const createRouter = () => new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
