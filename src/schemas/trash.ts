import { z } from 'zod'
import { Analysis } from './analyses'
import { Timestamp } from './common'
import { Image } from './images'
import { Project } from './projects'

const deletion = {
  deleted_at: Timestamp,
  restorable_until: Timestamp.meta({ description: 'After this the retention purge removes it for good (ML_RETENTION_DAYS)' }),
}

export const DeletedAnalysis = Analysis.extend({
  ...deletion,
  with_image: z.boolean().meta({ description: 'Deleted together with its image: restore the image to bring it back' }),
}).meta({ id: 'DeletedAnalysis' })

export const DeletedImage = Image.extend(deletion).meta({ id: 'DeletedImage' })

export const ProjectTrash = z
  .object({ analyses: z.array(DeletedAnalysis), images: z.array(DeletedImage), retention_days: z.number().int() })
  .meta({ id: 'ProjectTrash', description: 'What was deleted in a project and can still be restored, newest deletion first' })

export const DeletedProject = Project.extend(deletion).meta({ id: 'DeletedProject' })

export const DeletedProjectList = z
  .object({ projects: z.array(DeletedProject), retention_days: z.number().int() })
  .meta({ id: 'DeletedProjectList' })
