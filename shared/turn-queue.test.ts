import { describe, expect, it } from "vitest";
import { isStale, TurnQueue } from "./turn-queue";

/** A job that finishes only when the test says so, recording when it starts and ends. */
function gatedJob(name: string, events: string[]) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    open,
    job: async () => {
      events.push(`start ${name}`);
      await gate;
      events.push(`end ${name}`);
      return name;
    },
  };
}

describe("TurnQueue", () => {
  it("runs jobs one at a time in arrival order", async () => {
    const queue = new TurnQueue();
    const events: string[] = [];
    const [a, b, c] = [gatedJob("a", events), gatedJob("b", events), gatedJob("c", events)];
    const results = Promise.all([queue.run(a.job), queue.run(b.job), queue.run(c.job)]);
    // b and c are opened before a ends: they still wait for it
    c.open();
    b.open();
    a.open();
    expect((await results).map((r) => (r.status === "completed" ? r.value : r.status))).toEqual(["a", "b", "c"]);
    expect(events).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
    expect(queue.size).toBe(0);
  });

  it("keeps going after a job fails, and gives the error only to its caller", async () => {
    const queue = new TurnQueue();
    const failed = queue.run(async () => {
      throw new Error("boom");
    });
    const next = queue.run(async () => "ok");
    await expect(failed).rejects.toThrow("boom");
    await expect(next).resolves.toEqual({ status: "completed", value: "ok" });
  });

  it("on reset, lets the running job finish, makes the queued ones stale, and runs later ones", async () => {
    const queue = new TurnQueue();
    const events: string[] = [];
    const running = gatedJob("running", events);
    const first = queue.run(running.job);
    const queued = queue.run(async () => events.push("queued ran"));
    const always = queue.runAlways(async () => "always");
    await Promise.resolve();
    queue.reset();
    const later = queue.run(async () => "later");
    running.open();
    expect(await first).toEqual({ status: "completed", value: "running" });
    expect(await queued).toEqual({ status: "stale" });
    expect(await always).toBe("always");
    expect(await later).toEqual({ status: "completed", value: "later" });
    expect(events).toEqual(["start running", "end running"]);
    expect(queue.generation).toBe(1);
  });

  it.each([
    [0, 0, false],
    [0, 1, true],
    [2, 2, false],
    [1, 3, true],
  ])("a job of generation %i is stale in generation %i: %s", (generation, current, stale) => {
    expect(isStale(generation, current)).toBe(stale);
  });
});
