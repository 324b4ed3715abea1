/** The little of a Node-style `process` that signal handling needs; Bun and Deno provide it too. */
interface SignalSource {
  on(signal: string, listener: () => void): unknown
  off(signal: string, listener: () => void): unknown
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const

/**
 * Calls `stop` on the first SIGTERM or SIGINT, and returns what removes the listeners. Found at run
 * time rather than imported, so the package still loads where there are no signals (Workers), and
 * this is a no-op there. The listeners go after the first signal, so a second one ends the program
 * the usual way when a handler will not stop.
 */
export function onTermination(stop: () => void): () => void {
  const source = (globalThis as { process?: Partial<SignalSource> }).process
  if (typeof source?.on !== 'function' || typeof source.off !== 'function') return () => {}
  const signals = source as SignalSource
  const unhook = () => {
    for (const name of SIGNALS) signals.off(name, listener)
  }
  const listener = () => {
    unhook()
    stop()
  }
  for (const name of SIGNALS) signals.on(name, listener)
  return unhook
}
