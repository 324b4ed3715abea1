/**
 * D1 rejects statements with more than 100 bound parameters or more than 100 KB of SQL;
 * local Miniflare does not, so this wrapper makes every environment fail the way production would.
 */
export const D1_MAX_BOUND_PARAMETERS = 100
export const D1_MAX_STATEMENT_BYTES = 100_000

export class D1LimitError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'D1LimitError'
  }
}

const encoder = new TextEncoder()
const UNWRAP = Symbol('unwrap')

function checkSql(sql: string): void {
  const bytes = encoder.encode(sql).byteLength
  if (bytes > D1_MAX_STATEMENT_BYTES) {
    throw new D1LimitError(`SQL statement is ${bytes} bytes; D1 allows ${D1_MAX_STATEMENT_BYTES}`)
  }
}

function checkParams(count: number): void {
  if (count > D1_MAX_BOUND_PARAMETERS) {
    throw new D1LimitError(`statement binds ${count} parameters; D1 allows ${D1_MAX_BOUND_PARAMETERS}`)
  }
}

function wrapStatement(stmt: D1PreparedStatement): D1PreparedStatement {
  return new Proxy(stmt, {
    get(target, prop, receiver) {
      if (prop === UNWRAP) return target
      if (prop === 'bind') {
        return (...values: unknown[]) => {
          checkParams(values.length)
          return wrapStatement(target.bind(...values))
        }
      }
      const value = Reflect.get(target, prop, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

export function withD1Limits(db: D1Database): D1Database {
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'prepare') {
        return (sql: string) => {
          checkSql(sql)
          return wrapStatement(target.prepare(sql))
        }
      }
      if (prop === 'exec') {
        return (sql: string) => {
          checkSql(sql)
          return target.exec(sql)
        }
      }
      if (prop === 'batch') {
        // Statements reach batch() already wrapped, but workerd wants its own objects back.
        return (statements: D1PreparedStatement[]) => target.batch(statements.map(unwrap))
      }
      const value = Reflect.get(target, prop, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

function unwrap(stmt: D1PreparedStatement): D1PreparedStatement {
  return ((stmt as unknown as Record<symbol, D1PreparedStatement>)[UNWRAP] ?? stmt) as D1PreparedStatement
}
