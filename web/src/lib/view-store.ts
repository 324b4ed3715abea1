import type { Size, View } from './geometry'

/**
 * Pan and zoom change on every pointer move. They live outside component state so that a frame
 * touches only the canvases and image transforms that subscribe, not the whole page tree.
 */
export interface ViewStore {
  /** The size of the (first) pane, in CSS pixels, kept current by the viewer. */
  viewport: Size
  get(): View
  set(view: View): void
  subscribe(listener: (view: View) => void): () => void
}

export function createViewStore(initial: View = { scale: 1, tx: 0, ty: 0 }): ViewStore {
  let view = initial
  const listeners = new Set<(view: View) => void>()
  return {
    viewport: { width: 0, height: 0 },
    get: () => view,
    set(next) {
      if (next.scale === view.scale && next.tx === view.tx && next.ty === view.ty) return
      view = next
      for (const l of listeners) l(view)
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
