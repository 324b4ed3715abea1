import { Component, type ComponentChildren } from 'preact'
import styles from './style.module.css'

interface Props {
  children?: ComponentChildren
}

/** The last line of defence: a render error shows a way out instead of a blank page. */
export class ErrorBoundary extends Component<Props, { error: Error | null }> {
  override state = { error: null as Error | null }

  static override getDerivedStateFromError(error: Error) {
    return { error }
  }

  override componentDidCatch(error: Error) {
    console.error('Viewer crashed', error)
  }

  override render() {
    const { error } = this.state
    if (!error) return this.props.children
    return (
      <div class={styles.crash} role="alert" data-testid="crash">
        <h1>The viewer hit a problem</h1>
        <p class="muted">{error.message}</p>
        <div class={styles.actions}>
          <button type="button" class="primary" onClick={() => this.setState({ error: null })}>
            Try again
          </button>
          <button type="button" onClick={() => location.reload()}>
            Reload the page
          </button>
        </div>
      </div>
    )
  }
}
