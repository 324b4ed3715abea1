import type { DemoProject } from './demo-seed'

export interface BannerInput {
  baseUrl: string
  /** The demo user's API token. */
  token: string
  /** The first of the server's callback secrets: the one a pipeline signs with. */
  secret: string
  demo: DemoProject | null
}

/** A value as the shell reads it back unchanged: bare when it is safe, else single-quoted. */
export function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`
}

/** The development sign-in link; `next` is where the viewer opens (docs/getting-started.md). */
export function signInLink(baseUrl: string, token: string, next?: string): string {
  const query = new URLSearchParams({ token, ...(next && { next }) })
  return `${baseUrl}/api/auth/link?${query}`
}

/**
 * The lines that paste into a shell and set what a pipeline needs, under the names the
 * integration guide's recipes read; `IMAGE_ID` is the first demo photo, the others follow as
 * comments to copy from.
 */
export function pasteBlock({ baseUrl, token, secret, demo }: BannerInput): string[] {
  const images = demo?.images ?? []
  const width = Math.max(0, ...images.map((image) => image.id.length))
  return [
    `export API_BASE_URL=${shellWord(baseUrl)}`,
    `export LOUPE_TOKEN=${shellWord(token)}`,
    `export ML_CALLBACK_HMAC_SECRET=${shellWord(secret)}`,
    ...images.map((image, i) => `${i ? '# ' : 'export '}IMAGE_ID=${image.id.padEnd(width)}   # ${image.filename}`),
  ]
}

/** What `npm run dev` prints once it serves: where to look, and what to paste to call the API. */
export function readyBanner(input: BannerInput): string {
  const { baseUrl, token, demo } = input
  const next = demo ? `/projects/${demo.id}` : undefined
  return [
    `✓ Loupe is running at ${baseUrl}`,
    '',
    `  Viewer, signed in as the demo user:  ${signInLink(baseUrl, token, next)}`,
    `  API reference:                       ${baseUrl}/api/docs`,
    '',
    '  To call the API as a pipeline (docs/getting-started.md), paste into a second terminal:',
    '',
    ...pasteBlock(input),
    '',
    demo ? '' : '  (No demo project: the seeding above did not finish. `GET /api/projects` lists what there is.)',
    'Press Ctrl-C to stop.',
  ]
    .filter((line, i, lines) => line || lines[i - 1])
    .join('\n')
}
