/**
 * Object ids of an evaluation, 16 bytes each: half a million UUID strings would cost some 40 MB of
 * the Worker's 128, as bytes they cost 8 MB. Ids that are not UUIDs are refused: every id Loupe
 * hands out is one.
 */
export class UuidColumn {
  count = 0
  private bytes = new Uint8Array(16 * 256)

  push(id: string): number {
    if (id.length !== 36 || id[8] !== '-' || id[13] !== '-' || id[18] !== '-' || id[23] !== '-') throw new Error(`not a UUID: ${id}`)
    if ((this.count + 1) * 16 > this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2)
      grown.set(this.bytes)
      this.bytes = grown
    }
    const at = this.count * 16
    let j = 0
    for (let i = 0; i < 36; i++) {
      if (i === 8 || i === 13 || i === 18 || i === 23) continue
      const hi = hex(id.charCodeAt(i))
      const lo = hex(id.charCodeAt(++i))
      this.bytes[at + j++] = (hi << 4) | lo
    }
    return this.count++
  }

  get(index: number): string {
    const at = index * 16
    let s = ''
    for (let j = 0; j < 16; j++) {
      if (j === 4 || j === 6 || j === 8 || j === 10) s += '-'
      s += HEX[this.bytes[at + j]!]
    }
    return s
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

function hex(code: number): number {
  if (code >= 48 && code <= 57) return code - 48
  if (code >= 97 && code <= 102) return code - 87
  if (code >= 65 && code <= 70) return code - 55
  throw new Error('not a UUID')
}
