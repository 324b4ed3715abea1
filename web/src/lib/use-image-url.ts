import { useEffect, useState } from 'preact/hooks'
import { api } from './api'

/** Image URLs are short-lived; reuse one until shortly before it expires. */
const cache = new Map<string, { url: string; expires: number }>()
const SAFETY_MS = 30_000

export async function imageUrl(id: string, signal?: AbortSignal): Promise<string | null> {
  const hit = cache.get(id)
  if (hit && hit.expires - SAFETY_MS > Date.now()) return hit.url
  const image = await api.image(id, signal)
  if (!image.url) return null
  cache.set(id, { url: image.url, expires: image.url_expires_at ? Date.parse(image.url_expires_at) : Date.now() + 5 * 60_000 })
  return image.url
}

/**
 * A thumbnail's URL, asked for only once its card scrolls near the viewport: a project of a
 * thousand images should not cost a thousand requests up front.
 */
export function useImageUrl(id: string, target: { current: Element | null }): { url: string | null; failed: boolean } {
  const [visible, setVisible] = useState(false)
  const [state, setState] = useState<{ url: string | null; failed: boolean }>({ url: null, failed: false })

  useEffect(() => {
    const el = target.current
    if (!el || typeof IntersectionObserver === 'undefined') {
      setVisible(true)
      return
    }
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          setVisible(true)
          observer.disconnect()
        }
      },
      { rootMargin: '200px' },
    )
    observer.observe(el)
    return () => observer.disconnect()
  }, [target])

  useEffect(() => {
    if (!visible) return
    const controller = new AbortController()
    imageUrl(id, controller.signal).then(
      (url) => setState({ url, failed: url === null }),
      () => !controller.signal.aborted && setState({ url: null, failed: true }),
    )
    return () => controller.abort()
  }, [id, visible])

  return state
}
