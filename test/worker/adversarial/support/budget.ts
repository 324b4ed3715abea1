import { env } from 'cloudflare:workers'

/**
 * How long the adversarial properties search. The default is a fixed seed and a few dozen runs
 * per property, so `npm test` stays fast and any failure replays exactly. For a longer search:
 *
 *   CLOUDFLARE_INCLUDE_PROCESS_ENV=true ADVERSARIAL_RUNS=1000 ADVERSARIAL_SEED=$RANDOM \
 *     npx vitest run --project worker test/worker/adversarial
 *
 * (wrangler passes the process's variables to the Worker's env only when asked to.)
 */
const vars = env as unknown as Record<string, string | undefined>

const positive = (v: string | undefined) => (v && Number(v) > 0 ? Math.floor(Number(v)) : undefined)

export const SEED = Number(vars.ADVERSARIAL_SEED ?? 0x10ade)

/** Runs of a property: its default share of the budget, or ADVERSARIAL_RUNS when set. */
export const runs = (byDefault: number) => positive(vars.ADVERSARIAL_RUNS) ?? byDefault

/** A test's time limit that grows with the runs asked for: room for 600 ms a run on a busy machine, plus setup. */
export const timeLimit = (byDefault: number) => 30_000 + runs(byDefault) * 600
