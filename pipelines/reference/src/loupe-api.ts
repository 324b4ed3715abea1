import type { Image, ImageList, LoupeClient, Project, ProjectList } from '@loupe/sdk'

/**
 * The few user endpoints the pipeline reads besides the SDK's own: the image to analyze and a
 * project's images. They go through `client.userRequest`, so they get its retries and errors.
 */
export function getImage(client: LoupeClient, imageId: string): Promise<Image> {
  return client.userRequest<Image>('GET', `/api/images/${encodeURIComponent(imageId)}`)
}

/** Every uploaded image of a project, oldest first, so a demo runs in the order photos were added. */
export async function projectImages(client: LoupeClient, projectId: string): Promise<Image[]> {
  const images: Image[] = []
  const limit = 1000
  for (let skip = 0; ; skip += limit) {
    const page = await client.userRequest<ImageList>('GET', `/api/projects/${encodeURIComponent(projectId)}/images?skip=${skip}&limit=${limit}`)
    images.push(...page.images)
    if (!page.images.length || images.length >= page.total) break
  }
  return images.filter((image) => image.status === 'ready').reverse()
}

export async function findProject(client: LoupeClient, name: string): Promise<Project | undefined> {
  const { projects } = await client.userRequest<ProjectList>('GET', '/api/projects')
  return projects.find((p) => p.name === name)
}

/** The image's bytes from the short-lived URL Loupe hands out (same origin, or R2 directly). */
export async function downloadImage(client: LoupeClient, image: Image): Promise<Uint8Array<ArrayBuffer>> {
  if (!image.url) throw new Error(`image ${image.id} has no download URL (status ${image.status})`)
  const res = await fetch(client.url(image.url))
  if (!res.ok) throw new Error(`downloading image ${image.id}: ${res.status} ${await res.text()}`)
  return new Uint8Array(await res.arrayBuffer())
}
