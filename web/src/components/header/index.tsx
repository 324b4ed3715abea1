import { useState } from 'preact/hooks'
import { useAuth } from '../../lib/use-auth'
import styles from './style.module.css'

export function Header() {
  const { me, signOut } = useAuth()
  const [busy, setBusy] = useState(false)
  return (
    <header class={styles.header}>
      <a class={styles.brand} href="/">
        <svg viewBox="0 0 16 16" width="18" height="18" aria-hidden="true">
          <circle cx="6.5" cy="6.5" r="4.5" fill="none" stroke="currentColor" stroke-width="2" />
          <path d="M10 10l4.5 4.5" stroke="currentColor" stroke-width="2" />
        </svg>
        Loupe
      </a>
      <nav aria-label="Main">
        <a href="/">Projects</a>
        <a href="/pipelines">Pipelines</a>
      </nav>
      <div class={styles.user}>
        <span class="muted" data-testid="user-email" title={me.id}>
          {me.name ?? me.email}
        </span>
        <button
          type="button"
          data-testid="sign-out"
          disabled={busy}
          onClick={async () => {
            setBusy(true)
            await signOut()
            setBusy(false)
          }}
        >
          Sign out
        </button>
      </div>
    </header>
  )
}
