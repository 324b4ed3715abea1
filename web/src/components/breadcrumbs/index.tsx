import styles from './style.module.css'

export interface Crumb {
  label: string
  /** Left out for the page itself, the trail's last step. */
  href?: string
  /** An id rather than a word. */
  mono?: boolean
}

/** Where a page sits: links back up, and the page itself marked as current. */
export function Breadcrumbs({ trail }: { trail: Crumb[] }) {
  return (
    <nav class={styles.crumbs} aria-label="Breadcrumb">
      {trail.map((c, i) => [
        i > 0 && (
          <span key={`s${i}`} aria-hidden="true">
            /
          </span>
        ),
        c.href ? (
          <a key={i} href={c.href}>
            {c.label}
          </a>
        ) : (
          <span key={i} aria-current="page" class={c.mono ? 'mono' : undefined}>
            {c.label}
          </span>
        ),
      ])}
    </nav>
  )
}
