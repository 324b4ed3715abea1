/**
 * Where `npm run dev` listens, read from the same environment: `PORT` (8787 when unset) on
 * 127.0.0.1, unless `LOUPE_URL` or `API_BASE_URL` name another server.
 */
export function devServerUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.LOUPE_URL || env.API_BASE_URL || `http://127.0.0.1:${env.PORT || 8787}`
}
