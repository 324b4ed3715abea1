import type { CliIO } from './io'

export interface ProgressBar {
  update(done: number, total: number): void
  finish(): void
}

/**
 * A bar redrawn in place on a terminal; elsewhere (CI logs, pipes) plain lines, one per tenth of
 * the way and one at the end, so a log stays readable.
 */
export function progressBar(label: string, stream: CliIO['stderr'], format: (n: number) => string = String): ProgressBar {
  const tty = Boolean(stream.isTTY)
  let lastDecile = -1
  let drawn = false
  return {
    update(done, total) {
      const fraction = total > 0 ? Math.min(1, done / total) : 1
      const pct = `${Math.floor(fraction * 100)}%`.padStart(4)
      const counts = `${format(done)}/${format(total)}`
      if (tty) {
        const width = Math.max(10, Math.min(30, (stream.columns || 80) - label.length - counts.length - 12))
        const filled = Math.round(fraction * width)
        stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct} ${counts}\x1b[K`)
        drawn = true
        return
      }
      const decile = Math.floor(fraction * 10)
      if (decile === lastDecile) return
      lastDecile = decile
      stream.write(`${label}: ${counts} (${pct.trim()})\n`)
    },
    finish() {
      if (tty && drawn) stream.write('\n')
      drawn = false
    },
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / 1024 / 1024).toFixed(1)} MB`
}
