import 'vitest'

// What the Node-side global setups hand to the tests through `inject`.
declare module 'vitest' {
  export interface ProvidedContext {
    /** The loopback webhook receiver of test/support/webhook-receiver.global.ts. */
    webhookReceiver: string
  }
}
