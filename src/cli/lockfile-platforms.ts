import { readFileSync, writeFileSync } from 'node:fs'

/**
 * The npm registry reachable from these machines lacks workerd's macOS and Windows packages, so
 * `npm install` leaves them out of package-lock.json and `npm ci` then refuses the lock file.
 * This puts back an entry for each, marked optional with its os/cpu, which npm ci skips on Linux.
 * Run it after any `npm install` that changes the lock file: `npm run lockfile:platforms`.
 */
const PLATFORMS: Record<string, { os: string; cpu: string }> = {
  'darwin-64': { os: 'darwin', cpu: 'x64' },
  'darwin-arm64': { os: 'darwin', cpu: 'arm64' },
  'windows-64': { os: 'win32', cpu: 'x64' },
}

type Entry = { version?: string; optionalDependencies?: Record<string, string> }
const path = 'package-lock.json'
const lock = JSON.parse(readFileSync(path, 'utf8')) as { packages: Record<string, Entry & Record<string, unknown>> }
const added: string[] = []
for (const [location, entry] of Object.entries(lock.packages)) {
  if (!location.endsWith('node_modules/workerd')) continue
  const parent = location.slice(0, -'workerd'.length)
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const platform = PLATFORMS[name.replace('@cloudflare/workerd-', '')]
    if (!platform) continue
    const hoisted = `node_modules/${name}`
    const target = lock.packages[hoisted] ? `${parent}${name}` : hoisted
    if (lock.packages[hoisted]?.version === version || lock.packages[target]) continue
    lock.packages[target] = { version, cpu: [platform.cpu], dev: true, license: 'Apache-2.0', optional: true, os: [platform.os] }
    added.push(`${target}@${version}`)
  }
}
writeFileSync(path, JSON.stringify(lock, null, 2) + '\n')
console.log(added.length ? `added ${added.join(', ')}` : 'lock file already complete')
