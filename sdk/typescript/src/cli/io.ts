/** Where a command writes and what it reads from its environment; tests pass their own. */
export interface CliIO {
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number }
  env: Record<string, string | undefined>
}

export const processIO = (): CliIO => ({ stdout: process.stdout, stderr: process.stderr, env: process.env })

/** A usage mistake: the CLI prints the message and the command's usage, and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}
