import { copyFileSync, existsSync, readFileSync } from 'node:fs'
import { configSchema } from '../config'

/** Makes sure .dev.vars exists (from the committed example) and returns its settings. */
export function loadDevVars(path = '.dev.vars', example = '.dev.vars.example'): Record<string, string> {
  if (!existsSync(path)) {
    copyFileSync(example, path)
    console.log(`created ${path} from ${example}`)
  }
  const vars: Record<string, string> = {}
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line)
    if (m) vars[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1')
  }
  return vars
}

/**
 * Loupe's settings (docs: README "Configuration") that are set in the environment. `wrangler dev`
 * reads `.dev.vars` only, so `npm run dev` hands these to it as `--var`, and they win:
 * `ML_ALLOWED_MODELS=yolo_v8 npm run dev` does what it says.
 */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const settings: Record<string, string> = {}
  for (const name of Object.keys(configSchema.shape)) {
    const value = env[name]
    if (value !== undefined) settings[name] = value
  }
  return settings
}
