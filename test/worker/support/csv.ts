/** RFC 4180, strictly: CRLF after every record, and a bare CR or LF only inside quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch !== '"') field += ch
      else if (text[i + 1] === '"') (field += '"'), i++
      else quoted = false
    } else if (ch === '"' && field === '') quoted = true
    else if (ch === ',') row.push(field), (field = '')
    else if (ch === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), i++
    else if (ch === '\r' || ch === '\n' || ch === '"') throw new Error(`stray ${JSON.stringify(ch)} at ${i}`)
    else field += ch
  }
  if (field || row.length || quoted) throw new Error('the last record does not end with CRLF')
  return rows
}
