import type { ComponentChildren } from 'preact'
import styles from './style.module.css'

/** A collapsible sidebar section; <details> gives keyboard and screen-reader support for free. */
export function Section(props: { title: ComponentChildren; children: ComponentChildren; open?: boolean; testid?: string; aside?: ComponentChildren }) {
  return (
    <details class={styles.section} open={props.open ?? true} data-testid={props.testid}>
      <summary class={styles.summary}>
        <span class={styles.title}>{props.title}</span>
        {props.aside && <span class={styles.aside}>{props.aside}</span>}
      </summary>
      <div class={styles.body}>{props.children}</div>
    </details>
  )
}
