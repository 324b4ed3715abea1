import { useCallback, useEffect, useState } from 'preact/hooks'
import type { Size } from './geometry'

/**
 * The image's pixel size: the API's stored dimensions until the decoded image reports its own,
 * which win (a record can lack them). Overlays are laid out in this frame.
 */
export function useNaturalSize(stored: { width?: number | null; height?: number | null } | null | undefined) {
  const [natural, setNatural] = useState<Size>({ width: 0, height: 0 })
  useEffect(() => {
    if (stored?.width && stored.height) setNatural((n) => (n.width ? n : { width: stored.width!, height: stored.height! }))
  }, [stored])
  const onNatural = useCallback((s: Size) => setNatural((n) => (n.width === s.width && n.height === s.height ? n : s)), [])
  return { natural, onNatural }
}
