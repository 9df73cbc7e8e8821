import { describe, expect, it } from "vitest";
import type { ServerFrame } from "../../shared/contracts/frames";
import { type ApprovalView, awaitingApprovalSchema, decisionResponseSchema } from "../../shared/contracts/approval.ts";
import { type Message, turnResponseSchema } from "../../shared/contracts/message.ts";
import { taskListSchema } from "../../shared/contracts/task.ts";
import { turnsPageSchema, turnTraceSchema } from "../../shared/contracts/trace.ts";
import { type Client, replyOf } from "../support/client.ts";
import { useRuntime } from "../support/fixture.ts";
import { LiveClient } from "../support/live-client.ts";

async function send(api: Client, sessionId: string, content: string) {
  return api.post(`/v1/sessions/${sessionId}/messages`, { content });
}

async function history(api: Client, sessionId: string): Promise<Message[]> {
  return api.history(sessionId);
}

/** The tools the agent called, in order, with `?` for a question and `!` for a held call's decision. */
function path(messages: readonly Message[]): string[] {
  return messages.flatMap((m) => {
    if (m.role === "user") return [`user: ${m.content}`];
    if (m.role === "assistant" && m.toolCalls) return m.toolCalls.map((call) => `call ${call.toolName}`);
    if (m.role === "tool" && m.approval) return [`${m.toolName} ${m.approval.status}`];
    return [];
  });
}

function events(frames: readonly ServerFrame[]): string[] {
  return frames.flatMap((f) => (f.type === "event" ? [f.name] : []));
}

describe("travel: ask instead of guessing, book only with approval", () => {
  const fx = useRuntime();

  /** "Book me a trip to Washington" up to the booking that waits for approval. */
  async function upToApproval(sessionId: string): Promise<ApprovalView> {
    const first = await send(fx.api, sessionId, "Book me a trip to Washington");
    expect(first.status).toBe(200);
    const asked = first.parse(turnResponseSchema);
    expect(asked.status).toBe("input_required");
    expect(asked.reply.content).toBe("Which Washington do you mean: Washington, DC or Washington State?");
    // nothing was searched or booked on a guess
    expect(asked.messages.flatMap((m) => m.toolCalls ?? []).map((c) => c.toolName)).toEqual([
      "find_destination",
      "ask_user",
    ]);

    const second = await send(fx.api, sessionId, "Washington State");
    expect(second.status).toBe(202);
    const paused = second.parse(awaitingApprovalSchema);
    expect(paused.status).toBe("awaiting_approval");
    expect(paused.approvals).toEqual([
      expect.objectContaining({
        tool: "book",
        args: { destinationId: "WAS-ST", flightId: "AS-331", hotelId: "H-ST-1", nights: 3 },
        status: "pending",
      }),
    ]);
    return paused.approvals[0] as ApprovalView;
  }

  it("asks which Washington, searches the one the user meant, and books it once approved", async () => {
    const sessionId = await fx.api.session("travel");
    const live = await LiveClient.connect(fx.runtime.url, sessionId);
    const approval = await upToApproval(sessionId);
    const decided = await fx.api.post(`/v1/sessions/${sessionId}/approvals/${approval.approvalId}`, {
      decision: "approve",
    });
    const turn = decided.parse(decisionResponseSchema).turn;
    expect(turn.status).toBe("completed");
    expect(replyOf(turn)?.content).toMatch(
      /^Booked your trip to Washington State: flight AS-331 and Pike Place Lodge, \$924 in total\. Confirmation TRV-[0-9A-F]{8}\.$/,
    );
    expect(path(await history(fx.api, sessionId))).toEqual([
      "user: Book me a trip to Washington",
      "call find_destination",
      "call ask_user",
      "user: Washington State",
      "call find_destination",
      "call search_flights",
      "call search_hotels",
      "call book",
      "book approved",
    ]);
    await live.waitFor((f) => f.type === "turn" && f.status === "completed");
    // the path as turn events, which traces record
    expect(events(live.frames)).toEqual(["question", "approval_requested", "approval_decided"]);
    live.close();
    // and the whole path in the turns' traces: each tool call a span, the question and the decision events
    const turns = (await fx.api.get(`/v1/sessions/${sessionId}/turns`)).parse(turnsPageSchema).turns.reverse();
    expect(turns.map((t) => t.status)).toEqual(["input_required", "completed"]);
    const traced = await Promise.all(
      turns.map(async (t) =>
        (await fx.api.get(`/v1/sessions/${sessionId}/turns/${t.turnId}/trace`)).parse(turnTraceSchema),
      ),
    );
    const tools = traced.map((trace) =>
      trace.spans.filter((span) => span.name.startsWith("execute_tool ")).map((span) => span.name.slice(13)),
    );
    // `book` twice: the call held for approval, then its run once approved
    expect(tools).toEqual([
      ["find_destination", "ask_user"],
      ["find_destination", "search_flights", "search_hotels", "book", "book"],
    ]);
    const traceEvents = traced.map((trace) => trace.spans.flatMap((span) => span.events.map((e) => e.name)));
    expect(traceEvents[0]).toContain("question");
    expect(traceEvents[1]).toEqual(expect.arrayContaining(["approval_requested", "approval_decided"]));
    const trips = await fx.api.say(sessionId, "/tool my_trips {}");
    expect(trips.reply.content).toContain('"destination":"Washington State"');
  });

  it("books nothing when the booking is rejected", async () => {
    const sessionId = await fx.api.session("travel");
    const approval = await upToApproval(sessionId);
    const decided = await fx.api.post(`/v1/sessions/${sessionId}/approvals/${approval.approvalId}`, {
      decision: "reject",
      reason: "too expensive",
    });
    const turn = decided.parse(decisionResponseSchema).turn;
    expect(replyOf(turn)?.content).toMatch(
      /^I did not book anything: .*rejected by dev-token \(tenant dev\): too expensive$/,
    );
    expect(path(await history(fx.api, sessionId)).at(-1)).toBe("book rejected");
    expect((await fx.api.say(sessionId, "/tool my_trips {}")).reply.content).toBe(
      'Tool my_trips returned: {"trips":[]}',
    );
  });

  it("runs nothing else in a step that asks the user a question", async () => {
    const sessionId = await fx.api.session("travel");
    const reply = await send(
      fx.api,
      sessionId,
      '/ask Which dates?\n/tool book {"destinationId":"LIS","flightId":"TP-238","hotelId":"H-LI-1","nights":2}',
    );
    const turn = reply.parse(turnResponseSchema);
    expect(turn.status).toBe("input_required");
    expect(turn.reply.content).toBe("Which dates?");
    const book = turn.messages.find((m) => m.role === "tool" && m.toolName === "book");
    expect(book).toMatchObject({
      isError: true,
      content: expect.stringContaining("question to the user must be answered first"),
    });
    expect((await fx.api.get(`/v1/sessions/${sessionId}/approvals?status=all`)).json).toEqual({ approvals: [] });
  });
});

describe("research: specialists, and a fact check before the answer stands", () => {
  const fx = useRuntime();

  it("flags a claim no source supports and revises the answer", async () => {
    const sessionId = await fx.api.session("researcher");
    const live = await LiveClient.connect(fx.runtime.url, sessionId);
    const turn = await fx.api.say(sessionId, "How tall is Mount Everest and who first climbed it?");
    const answer = turn.reply.content;
    expect(answer).toContain("8,848.86 metres above sea level [S1].");
    expect(answer).toContain(
      "Tenzing Norgay and Edmund Hillary made the first confirmed ascent of Mount Everest on 29 May 1953 [S2].",
    );
    // the synthesizer's unsupported "memory" is gone, and the answer says so; the unreliable source never came in
    expect(answer).toContain(
      '[Fact check: removed 1 claim(s) the sources do not support: "Mount Everest grows about ten centimetres taller every year."]',
    );
    expect(answer.split("[Fact check")[0]).not.toContain("ten centimetres");
    expect(answer).not.toContain("9,000");

    const tasks = (await fx.api.get(`/v1/sessions/${sessionId}/tasks`)).parse(taskListSchema).tasks;
    expect(tasks.map((t) => `${t.agent}:${t.status}`)).toEqual([
      "query-refiner:completed",
      "retriever:completed",
      "synthesizer:completed",
      "fact-checker:completed",
    ]);
    await live.waitFor((f) => f.type === "turn" && f.status === "completed");
    expect(live.frames).toContainEqual(
      expect.objectContaining({
        type: "event",
        name: "guardrail",
        data: expect.objectContaining({ guardrail: "fact_check", action: "redact", supported: 3, unsupported: 1 }),
      }),
    );
    live.close();
  });

  it("lets an answer the sources support stand as it is", async () => {
    const sessionId = await fx.api.session("researcher");
    const turn = await fx.api.say(sessionId, "How do honeybees communicate?");
    expect(turn.reply.content).toContain("waggle dance");
    expect(turn.reply.content).not.toContain("Fact check");
  });
});
