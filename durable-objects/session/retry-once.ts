/** A retry that is scheduled at most once at a time: asked for again before it fires, it is not added twice. */
export class RetryOnce {
  private scheduled = false;

  constructor(private readonly schedule: () => Promise<unknown>) {}

  /** Schedules the retry unless one is already due. */
  request(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule().catch(() => {
      this.scheduled = false;
    });
  }

  /** The retry fired: the next request schedules another. */
  fired(): void {
    this.scheduled = false;
  }
}
