import { z } from 'zod'
import { Timestamp, Uuid } from './common'

export const ROLES = ['owner', 'editor', 'viewer'] as const
export const Role = z.enum(ROLES).meta({ id: 'Role' })
export type Role = z.infer<typeof Role>

export const Project = z
  .object({
    id: Uuid,
    name: z.string(),
    description: z.string().nullable(),
    owner_id: Uuid,
    role: z.enum([...ROLES, 'pipeline_worker']).meta({ description: "The caller's role in this project; `pipeline_worker` for a granted pipeline" }),
    created_at: Timestamp,
    updated_at: Timestamp.nullable(),
  })
  .meta({ id: 'Project' })

export const ProjectCreate = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).optional(),
  })
  .meta({ id: 'ProjectCreate', example: { name: 'Demo', description: 'Photos for the demo' } })

export const ProjectList = z.object({ projects: z.array(Project), total: z.number().int() }).meta({ id: 'ProjectList' })

export const Member = z
  .object({ user_id: Uuid, email: z.string(), name: z.string().nullable(), role: Role, created_at: Timestamp })
  .meta({ id: 'Member' })

export const MemberAdd = z
  .object({
    email: z.email().optional(),
    user_id: Uuid.optional(),
    role: Role.default('viewer'),
  })
  .refine((m) => Boolean(m.email) !== Boolean(m.user_id), { message: 'give exactly one of email or user_id' })
  .meta({ id: 'MemberAdd', example: { email: 'ada@example.com', role: 'editor' } })

export const MemberList = z.object({ members: z.array(Member) }).meta({ id: 'MemberList' })
