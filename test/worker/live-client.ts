import { api } from './helpers'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- messages are checked field by field below
export type Message = { type: string; seq: number; [k: string]: any }

/** Opens the live stream and collects every message; `next(n)` waits (with a timeout) for n more. */
export function subscribe(analysisId: string, token: string | undefined, since?: number) {
  return subscribeTo(`/api/analyses/${analysisId}/live`, token, since)
}

/** The same, for any run's live path (`/api/jobs/{id}/live`). */
export async function subscribeTo(path: string, token: string | undefined, since?: number) {
  const query = since === undefined ? '' : `?since=${since}`
  const res = await api(`${path}${query}`, { token, headers: { Upgrade: 'websocket' } })
  const ws = res.webSocket
  if (!ws) return { res, messages: [] as Message[], next: async () => [] as Message[], close: () => {} }
  ws.accept()
  const messages: Message[] = []
  let waiter: (() => void) | undefined
  ws.addEventListener('message', (e) => {
    messages.push(JSON.parse(e.data as string))
    waiter?.()
  })
  const next = async (count: number, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs
    while (messages.length < count) {
      if (Date.now() > deadline) throw new Error(`timed out with ${messages.length}/${count} messages: ${JSON.stringify(messages.slice(-3))}`)
      await new Promise<void>((resolve) => {
        waiter = resolve
        setTimeout(resolve, 50)
      })
    }
    return messages
  }
  return { res, messages, next, close: () => ws.close(1000, 'done') }
}

