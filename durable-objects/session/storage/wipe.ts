/**
 * Whether an object's storage was wiped (its session erased). A wiped object answers as
 * empty from memory and touches no storage: the runtime's tables are gone, while the agents
 * SDK's in-memory state (job queue, schema versions) still believes in them. So a call that
 * must store something (creating a session, running a task) restarts the object first, and
 * its caller sends it again to the fresh object, which builds its tables anew.
 */
export class StorageLife {
  private wipedAlready = false;

  constructor(private readonly ctx: DurableObjectState) {}

  get wiped(): boolean {
    return this.wipedAlready;
  }

  /** Deletes every table and the alarm; the object holds nothing from now on. */
  async wipe(): Promise<void> {
    this.wipedAlready = true;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  /** Before a call that stores something: a wiped object restarts, failing the call so it is sent again. */
  mustStore(): void {
    // a reset error, which the caller takes as "try once more" (see shared/object-reset.ts)
    if (this.wipedAlready) this.ctx.abort("the object's storage was wiped; a fresh object takes the call");
  }
}
