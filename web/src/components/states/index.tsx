import type { ComponentChildren } from 'preact'
import { ApiError } from '../../lib/api'
import styles from './style.module.css'

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div class={styles.state} role="status" aria-live="polite" data-testid="loading">
      <span class={styles.spinner} aria-hidden="true" />
      {label}
    </div>
  )
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class={styles.state} data-testid="empty">
      <strong>{title}</strong>
      {children && <div class="muted">{children}</div>}
    </div>
  )
}

export function ErrorState({ error, retry, title = 'Something went wrong' }: { error: Error; retry?: () => void; title?: string }) {
  const code = error instanceof ApiError ? error.code : null
  return (
    <div class={styles.state} role="alert" data-testid="error">
      <strong>{error instanceof ApiError && error.status === 404 ? 'Not found' : title}</strong>
      <div class="muted">
        {error.message}
        {code && code !== 'http_error' && <span class="mono"> ({code})</span>}
      </div>
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  )
}
