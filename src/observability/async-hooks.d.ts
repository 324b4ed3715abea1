// nodejs_compat provides node:async_hooks; the Worker's types do not include Node's, so only what Loupe uses is declared.
declare module 'node:async_hooks' {
  export class AsyncLocalStorage<T> {
    run<R>(store: T, fn: () => R): R
    getStore(): T | undefined
  }
}
