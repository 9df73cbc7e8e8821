import { describe, expect, it } from "vitest";
import { TurnQueue } from "./turn-queue";

describe("TurnQueue", () => {
  it("runs jobs one at a time in arrival order", async () => {
    const queue = new TurnQueue();
    const events: string[] = [];
    const job = (name: string, ms: number) => async () => {
      events.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      events.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([queue.run(job("a", 20)), queue.run(job("b", 1)), queue.run(job("c", 5))]);
    expect(results).toEqual(["a", "b", "c"]);
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
    await expect(next).resolves.toBe("ok");
  });
});
