/** Writes under way that must land before the run reads as final (finalize waits for them). */
export class InflightWrites {
  private readonly writes = new Set<Promise<unknown>>()

  get size(): number {
    return this.writes.size
  }

  async track<T>(work: Promise<T>): Promise<T> {
    this.writes.add(work)
    try {
      return await work
    } finally {
      this.writes.delete(work)
    }
  }

  async settle(): Promise<void> {
    await Promise.allSettled([...this.writes])
  }
}
