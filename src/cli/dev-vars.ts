import { copyFileSync, existsSync, readFileSync } from 'node:fs'

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
