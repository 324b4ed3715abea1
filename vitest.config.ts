import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'

export const TEST_HMAC_SECRET = 'test_secret_123'

/**
 * The settings the worker tests run with. The plugin also loads `.dev.vars`, which `npm run dev`
 * writes from `.dev.vars.example`, so every setting the example sets is pinned here, and tests
 * run the same beside a dev server as on a clean clone (test/unit/test-settings.test.ts).
 */
export const TEST_SETTINGS: Record<string, string> = {
  // Two secrets: the second proves rotation works.
  ML_CALLBACK_HMAC_SECRET: `${TEST_HMAC_SECRET},rotated_secret_456`,
  UPLOAD_SIGNING_SECRET: 'test-upload-signing-secret',
  ALLOW_TOKEN_LINK_SIGNIN: 'true',
  PIPELINE_SECRETS_KEY: 'test-pipeline-secrets-key',
  // Dispatch tests deliver to a receiver on loopback and retry at once; push is off unless a test turns it on.
  ML_PIPELINE_PUSH_WEBHOOKS_ENABLED: 'false',
  ML_PIPELINE_PULL_ENABLED: 'true',
  ML_WEBHOOK_ALLOW_LOOPBACK: 'true',
  ML_WEBHOOK_RETRY_SCHEDULE: '0,0',
}

/** A project of tests inside workerd, against the real D1, R2, Queues and Durable Objects of wrangler.toml. */
function workerProject(name: string, files: { include: string[]; exclude?: string[] }, settings: Record<string, string>) {
  return {
    plugins: [
      cloudflareTest(async () => ({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: { TEST_MIGRATIONS: await readD1Migrations('./migrations'), ...settings },
          // A tight limit tests swap in for a rate-limiting binding; wrangler.toml's own stay generous.
          ratelimits: { TEST_TIGHT_LIMIT: { namespace_id: '9001', simple: { limit: 3, period: 60 } } },
        },
      })),
    ],
    test: {
      name,
      ...files,
      setupFiles: ['./test/worker/apply-migrations.ts'],
      globalSetup: ['./test/support/webhook-receiver.global.ts'],
      // A test's work is real D1, R2 and objects in workerd: on a shared 2-core machine the
      // heavier ones (exports of every geometry, zips) can take several seconds.
      testTimeout: 30_000,
    },
  }
}

export default defineConfig({
  test: {
    // One JSON line per request and per run move (docs/operations.md#logs) would drown the output; tests that read them spy on console.
    onConsoleLog: (line) => !/"message":"(request|run moved|retention purge)"/.test(line),
    projects: [
      workerProject('worker', { include: ['test/worker/**/*.test.ts'], exclude: ['test/worker/push-on/**'] }, TEST_SETTINGS),
      // Runs whose objects dispatch on their own (a job once it is runnable) read push from the
      // bindings, so the tests of those deliveries run with push on from the start.
      workerProject('worker-push', { include: ['test/worker/push-on/**/*.test.ts'] }, { ...TEST_SETTINGS, ML_PIPELINE_PUSH_WEBHOOKS_ENABLED: 'true' }),
      {
        test: {
          name: 'unit',
          environment: 'node',
          include: ['web/src/**/*.test.ts', 'sdk/typescript/test/**/*.test.ts', 'test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          // One wrangler dev and one browser; the steps build on each other.
          fileParallelism: false,
          sequence: { concurrent: false },
        },
      },
    ],
  },
})
