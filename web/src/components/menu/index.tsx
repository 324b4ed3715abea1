import type { ComponentChildren } from 'preact'
import { useEffect, useRef } from 'preact/hooks'
import styles from './style.module.css'

interface Props {
  label: ComponentChildren
  children: ComponentChildren
  testid?: string
}

/**
 * A drop-down on <details>, which gives keyboard and screen-reader support; it closes as menus do,
 * on Escape, on a click outside it, and once one of its links or buttons has been used.
 */
export function Menu({ label, children, testid }: Props) {
  const ref = useRef<HTMLDetailsElement>(null)
  useEffect(() => {
    const el = ref.current
    if (!el) return
    const onDown = (e: PointerEvent) => el.open && !el.contains(e.target as Node) && (el.open = false)
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || !el.open) return
      el.open = false
      el.querySelector('summary')?.focus()
    }
    document.addEventListener('pointerdown', onDown)
    document.addEventListener('keydown', onKey)
    return () => {
      document.removeEventListener('pointerdown', onDown)
      document.removeEventListener('keydown', onKey)
    }
  }, [])
  return (
    <details ref={ref} class={styles.menu} data-testid={testid}>
      <summary class="button">{label}</summary>
      <div
        class={styles.body}
        onClick={(e) => {
          // After the click has done its work (a download starts from the link itself).
          if ((e.target as HTMLElement).closest('a, button')) setTimeout(() => ref.current && (ref.current.open = false))
        }}
      >
        {children}
      </div>
    </details>
  )
}
