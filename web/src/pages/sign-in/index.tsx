import { useState } from 'preact/hooks'
import { api } from '../../lib/api'
import type { Me } from '../../lib/types'
import styles from './style.module.css'

export default function SignIn({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [token, setToken] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const submit = async (event: Event) => {
    event.preventDefault()
    if (!token.trim()) return
    setBusy(true)
    setError(null)
    try {
      onSignedIn(await api.signIn(token.trim()))
    } catch (err) {
      setError((err as Error).message)
      setBusy(false)
    }
  }

  return (
    <main class={styles.page} id="main">
      <form class={styles.card} onSubmit={submit} data-testid="sign-in">
        <h1>Sign in to Loupe</h1>
        <p class="muted">
          Paste an API token (<span class="mono">lp_…</span>). The browser keeps a session cookie; the token itself is not stored.
        </p>
        <label for="token">API token</label>
        <input
          id="token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          data-testid="token-input"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'sign-in-error' : undefined}
          required
        />
        {error && (
          <p id="sign-in-error" class={styles.error} role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy || !token.trim()} data-testid="sign-in-submit">
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p class="muted">
          In development, <span class="mono">npm run dev</span> prints a sign-in link (
          <span class="mono">/api/auth/link?token=…</span>) that does this for you.
        </p>
      </form>
    </main>
  )
}
