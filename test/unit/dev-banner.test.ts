import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { pasteBlock, readyBanner, shellWord, signInLink } from '../../src/cli/dev-banner'

const input = {
  baseUrl: 'http://127.0.0.1:8787',
  token: 'lp_abc-DEF_123',
  secret: 'test_secret_123',
  demo: {
    id: '11111111-1111-4111-8111-111111111111',
    images: [
      { id: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', filename: 'astronaut.png' },
      { id: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', filename: 'rocket.jpg' },
    ],
  },
}

/** What bash has set after the lines are pasted into it. */
function pasted(lines: string[]) {
  const run = spawnSync('bash', ['-c', `${lines.join('\n')}\nprintf '%s\\n' "$API_BASE_URL" "$LOUPE_TOKEN" "$ML_CALLBACK_HMAC_SECRET" "$IMAGE_ID"`], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH! },
  })
  expect(run.status, run.stderr).toBe(0)
  return run.stdout.split('\n').slice(0, 4)
}

describe("npm run dev's ready banner", () => {
  it('pastes into a shell as API_BASE_URL, LOUPE_TOKEN, the secret and the first demo image', () => {
    expect(pasted(pasteBlock(input))).toEqual([input.baseUrl, input.token, input.secret, input.demo.images[0]!.id])
  }, 30_000)

  it('names every demo image by its file', () => {
    const block = pasteBlock(input).join('\n')
    expect(block).toContain('export IMAGE_ID=aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa   # astronaut.png')
    expect(block).toContain('# IMAGE_ID=bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb   # rocket.jpg')
  })

  it('quotes a secret the shell would otherwise change', () => {
    const secret = `it's $HOME & more`
    expect(pasted(pasteBlock({ ...input, secret }))[2]).toBe(secret)
    expect(shellWord('plain_value-1.2')).toBe('plain_value-1.2')
  }, 30_000)

  it("signs in with a link whose next= opens the demo project", () => {
    const banner = readyBanner(input)
    const link = new URL(/(http:\S+\/api\/auth\/link\?\S+)/.exec(banner)![1]!)
    expect(link.searchParams.get('token')).toBe(input.token)
    expect(link.searchParams.get('next')).toBe(`/projects/${input.demo.id}`)
    expect(signInLink(input.baseUrl, 't')).toBe('http://127.0.0.1:8787/api/auth/link?token=t')
    expect(banner).toContain('http://127.0.0.1:8787/api/docs')
    expect(banner.trimEnd().endsWith('Press Ctrl-C to stop.')).toBe(true)
  })

  it('still prints the settings when there is no demo project', () => {
    const banner = readyBanner({ ...input, demo: null })
    expect(banner).toContain('export LOUPE_TOKEN=lp_abc-DEF_123')
    expect(banner).not.toContain('IMAGE_ID')
    expect(banner).toContain('No demo project')
  })
})
