import { describe, expect, it, vi } from 'vitest'
import { ConfigError, getConfig, parseConfig } from '../../src/config'
import { api, fetchWithEnv, request } from './helpers'

function configError(env: Record<string, unknown>): ConfigError {
  try {
    parseConfig(env)
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
  throw new Error(`parseConfig accepted ${JSON.stringify(env)}`)
}

const S3 = { S3_ENDPOINT: 'https://acct.r2.cloudflarestorage.com', S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'id', S3_SECRET_ACCESS_KEY: 'secret' }

describe('parseConfig defaults', () => {
  // The ML Pipeline Integration Guide's values, and the skew its HMAC section names.
  const GUIDE_DEFAULTS = {
    ML_ANALYSIS_ENABLED: true,
    ML_PIPELINE_REQUIRE_HMAC: true,
    ML_ALLOWED_MODELS: [],
    ML_CALLBACK_HMAC_SECRET: [],
    ML_MAX_ANALYSES_PER_IMAGE: 50,
    ML_MAX_BULK_ANNOTATIONS: 5000,
    ML_PRESIGNED_URL_EXPIRY_SECONDS: 900,
    ML_HMAC_SKEW_SECONDS: 300,
    ML_HEARTBEAT_TIMEOUT_SECONDS: 600,
    ML_QUEUE_TIMEOUT_SECONDS: 86_400,
    ML_DEFAULT_STATUS: 'queued',
    ALLOW_TOKEN_LINK_SIGNIN: false,
  }

  it.each(Object.entries(GUIDE_DEFAULTS))('defaults %s to %j', (name, value) => {
    expect(parseConfig({})[name as keyof typeof GUIDE_DEFAULTS]).toEqual(value)
  })

  it('treats an empty number as unset', () => {
    expect(parseConfig({ ML_MAX_BULK_ANNOTATIONS: '' }).ML_MAX_BULK_ANNOTATIONS).toBe(5000)
  })

  it('leaves S3 and Access unset by default', () => {
    const config = parseConfig({})
    expect([config.S3_ENDPOINT, config.S3_BUCKET, config.ACCESS_TEAM_DOMAIN, config.ACCESS_AUD]).toEqual([undefined, undefined, undefined, undefined])
  })

  it('ignores bindings that are not strings', () => {
    expect(parseConfig({ DB: {}, BUCKET: {}, ML_MAX_ANALYSES_PER_IMAGE: '7' }).ML_MAX_ANALYSES_PER_IMAGE).toBe(7)
  })
})

describe('parseConfig values', () => {
  it.each([
    ['true', true],
    ['1', true],
    ['yes', true],
    ['false', false],
    ['0', false],
    ['no', false],
  ])('reads the flag value %j as %j', (raw, expected) => {
    expect(parseConfig({ ML_ANALYSIS_ENABLED: raw }).ML_ANALYSIS_ENABLED).toBe(expected)
  })

  it('splits comma-separated secrets and trims them', () => {
    expect(parseConfig({ ML_CALLBACK_HMAC_SECRET: ' current_secret , previous_secret,,' }).ML_CALLBACK_HMAC_SECRET).toEqual([
      'current_secret',
      'previous_secret',
    ])
  })

  it('splits the model allow-list', () => {
    expect(parseConfig({ ML_ALLOWED_MODELS: 'yolo_v8,resnet50_classifier,custom_model' }).ML_ALLOWED_MODELS).toEqual([
      'yolo_v8',
      'resnet50_classifier',
      'custom_model',
    ])
  })

  it('accepts the S3 maximum expiry of 604800 seconds', () => {
    expect(parseConfig({ ML_PRESIGNED_URL_EXPIRY_SECONDS: '604800' }).ML_PRESIGNED_URL_EXPIRY_SECONDS).toBe(604_800)
  })

  it('accepts all four S3 settings together and drops a trailing slash from the endpoint', () => {
    const config = parseConfig({ ...S3, S3_ENDPOINT: `${S3.S3_ENDPOINT}/` })
    expect(config.S3_ENDPOINT).toBe(S3.S3_ENDPOINT)
    expect(config.S3_REGION).toBe('auto')
  })
})

describe('parseConfig errors name the variable', () => {
  it.each([
    ['ML_ANALYSIS_ENABLED', 'maybe'],
    ['ML_PIPELINE_REQUIRE_HMAC', 'TRUE!'],
    ['ML_MAX_ANALYSES_PER_IMAGE', 'fifty'],
    ['ML_MAX_ANALYSES_PER_IMAGE', '0'],
    ['ML_MAX_BULK_ANNOTATIONS', '2.5'],
    ['ML_MAX_BULK_ANNOTATIONS', '-1'],
    ['ML_PRESIGNED_URL_EXPIRY_SECONDS', '604801'],
    ['ML_PRESIGNED_URL_EXPIRY_SECONDS', '0'],
    ['ML_HMAC_SKEW_SECONDS', '5m'],
    ['ML_HEARTBEAT_TIMEOUT_SECONDS', 'soon'],
    ['ML_QUEUE_TIMEOUT_SECONDS', '1e'],
    ['ML_DEFAULT_STATUS', 'processing'],
    ['PUBLIC_URL', 'not a url'],
    ['S3_ENDPOINT', 'minio:9000'],
  ])('rejects %s=%j', (variable, value) => {
    const err = configError({ [variable]: value })
    expect(err.issues.map((i) => i.variable)).toContain(variable)
    expect(err.message).toContain(variable)
  })

  it('says which range an integer must fall in', () => {
    expect(configError({ ML_PRESIGNED_URL_EXPIRY_SECONDS: '604801' }).message).toMatch(/between 1 and 604800/)
  })

  it('reports every bad variable at once', () => {
    const err = configError({ ML_MAX_ANALYSES_PER_IMAGE: 'x', ML_HMAC_SKEW_SECONDS: 'y' })
    expect(err.issues.map((i) => i.variable).sort()).toEqual(['ML_HMAC_SKEW_SECONDS', 'ML_MAX_ANALYSES_PER_IMAGE'])
  })

  it.each(Object.keys(S3))('rejects S3 settings with %s missing', (missing) => {
    const partial: Record<string, string> = { ...S3 }
    delete partial[missing]
    const err = configError(partial)
    expect(err.message).toMatch(/S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together/)
  })

  it('rejects ACCESS_TEAM_DOMAIN without ACCESS_AUD', () => {
    expect(configError({ ACCESS_TEAM_DOMAIN: 'team.cloudflareaccess.com' }).issues[0]!.variable).toBe('ACCESS_AUD')
  })
})

describe('config in the running app', () => {
  it('parses once per env object', () => {
    const env = { ML_MAX_ANALYSES_PER_IMAGE: '3' }
    expect(getConfig(env)).toBe(getConfig(env))
    expect(getConfig({ ...env }).ML_MAX_ANALYSES_PER_IMAGE).toBe(3)
  })

  it('answers a misconfigured deployment with a logged 500 envelope that names the variable', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const res = await fetchWithEnv(request('/api/health'), { ML_MAX_BULK_ANNOTATIONS: 'lots' })
      expect(res.status).toBe(500)
      const body = await res.json<{ error: { code: string; message: string } }>()
      expect(body.error.code).toBe('misconfigured')
      expect(body.error.message).toContain('ML_MAX_BULK_ANNOTATIONS')
      expect(String(logged.mock.calls[0]?.[0])).toContain('ML_MAX_BULK_ANNOTATIONS')
    } finally {
      logged.mockRestore()
    }
  })

  it('runs with the test bindings', async () => {
    expect((await api('/api/health')).status).toBe(200)
  })
})
