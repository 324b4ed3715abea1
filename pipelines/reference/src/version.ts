import { createRequire } from 'node:module'

/** The package's version: the `model_version` of every analysis this pipeline makes. */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version
