/**
 * What one purge run may spend. A Cron invocation has a subrequest limit and a wall-clock limit;
 * every D1 statement, R2 call and call into an object counts as one operation, and the run stops
 * at whichever runs out first, leaving the rest for the next run.
 */
export class PurgeBudget {
  private spent = 0
  private readonly deadline: number

  constructor(
    private readonly operations: number,
    wallMs: number,
    now = Date.now(),
  ) {
    this.deadline = now + wallMs
  }

  spend(n = 1): void {
    this.spent += n
  }

  /** Whether `n` more operations still fit. */
  allows(n = 1): boolean {
    return this.spent + n <= this.operations && Date.now() < this.deadline
  }

  get used(): number {
    return this.spent
  }
}
