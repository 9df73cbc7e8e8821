import { describe, expect, it } from "vitest";
import { turnResponseSchema } from "../../shared/contracts/message";
import { type TurnTrace, turnsPageSchema, turnTraceSchema } from "../../shared/contracts/trace";
import { Client } from "../support/client.ts";
import { useRuntime } from "../support/fixture.ts";
import { LiveClient } from "../support/live-client.ts";
import { startOtlpReceiver } from "../support/otlp-receiver.ts";
import { startRuntime } from "../support/runtime.ts";
import { waitUntil } from "../support/wait-until.ts";

const CARD = "4111 1111 1111 1111";
const EMAIL = "billing@northwind.example";
const POLICIES = { dev: { guardrails: ["pii", "secrets"] } };

/** Where a value appears in a trace: span name and status, attribute or event key (keys in `skip` aside). */
function placesOf(trace: TurnTrace, value: string, skip: readonly string[] = []): string[] {
  const places: string[] = [];
  for (const span of trace.spans) {
    if (span.statusMessage?.includes(value)) places.push(`${span.name} statusMessage`);
    for (const [key, attribute] of Object.entries(span.attributes)) {
      if (!skip.includes(key) && JSON.stringify(attribute).includes(value)) places.push(`${span.name} ${key}`);
    }
    for (const event of span.events) {
      for (const [key, attribute] of Object.entries(event.attributes ?? {})) {
        if (JSON.stringify(attribute).includes(value)) places.push(`${span.name} event ${event.name}.${key}`);
      }
    }
  }
  return places;
}

async function traceOf(api: Client, sessionId: string, turnId: string): Promise<TurnTrace> {
  const reply = await api.get(`/v1/sessions/${sessionId}/turns/${turnId}/trace`);
  expect(reply.status, reply.text).toBe(200);
  return reply.parse(turnTraceSchema);
}

describe("spans with content capture off and the pii guardrail on", () => {
  const fx = useRuntime({ EDGENT_POLICIES: JSON.stringify(POLICIES) });

  it("keeps the escalate tool's reason, a tool argument the guardrail redacts, out of the trace", async () => {
    const sessionId = await fx.api.session();
    const turn = await fx.api.say(sessionId, `/escalate my card is ${CARD}`);
    const trace = await traceOf(fx.api, sessionId, turn.turnId);
    // the guardrail did redact the escalate call's arguments (its event says so)
    const guardrails = trace.spans.flatMap((span) => span.events.filter((e) => e.name === "guardrail"));
    expect(guardrails).toContainEqual(
      expect.objectContaining({ attributes: expect.objectContaining({ guardrail: "pii", stage: "tool_args" }) }),
    );
    expect(placesOf(trace, CARD)).toEqual([]);
    // the escalation is there, without the model's words
    const escalation = trace.spans.find((span) => span.name === "edgent.escalation tool");
    expect(escalation?.attributes).toMatchObject({ "edgent.escalation.signal": "tool" });
    expect(escalation?.attributes).not.toHaveProperty("edgent.escalation.reason");
  });

  it("records the escalation reason in the turn list redacted", async () => {
    const sessionId = await fx.api.session();
    const turn = await fx.api.say(sessionId, `/escalate my card is ${CARD}`);
    const page = (await fx.api.get(`/v1/sessions/${sessionId}/turns`)).parse(turnsPageSchema);
    const listed = page.turns.find((t) => t.turnId === turn.turnId);
    expect(listed?.escalation).toMatchObject({ signal: "tool", reason: "my card is [REDACTED:card]" });
  });

  it("keeps a tool's arguments out of its span when the tool's error repeats them", async () => {
    const sessionId = await fx.api.session();
    const reply = await fx.api.post(`/v1/sessions/${sessionId}/messages`, {
      content: `/tool current_time {"timeZone":"${EMAIL}"}`,
    });
    expect(reply.status, reply.text).toBe(200);
    const turn = reply.parse(turnResponseSchema);
    const trace = await traceOf(fx.api, sessionId, turn.turnId);
    const tool = trace.spans.find((span) => span.name === "execute_tool current_time");
    expect(tool).toMatchObject({ status: "error", attributes: { "error.type": "tool_error" } });
    expect(placesOf(trace, EMAIL)).toEqual([]);
  });

  it("writes no escalation reason the guardrail redacts to the log lines", async () => {
    const sessionId = await fx.api.session();
    await fx.api.say(sessionId, `/escalate logged? ${CARD}`);
    expect(fx.runtime.logs.filter((line) => line.includes(CARD))).toEqual([]);
  });
});

describe("spans with content capture on and the pii guardrail on", () => {
  const fx = useRuntime({ EDGENT_POLICIES: JSON.stringify(POLICIES), EDGENT_TRACE_CONTENT: "on" });

  it("records the escalate call's arguments and reason redacted, and the raw value nowhere", async () => {
    const sessionId = await fx.api.session();
    const turn = await fx.api.say(sessionId, `/escalate my card is ${CARD}`);
    const trace = await traceOf(fx.api, sessionId, turn.turnId);
    const tool = trace.spans.find((span) => span.name === "execute_tool escalate");
    expect(String(tool?.attributes["gen_ai.tool.call.arguments"])).toContain("[REDACTED:card]");
    expect(trace.spans[0]?.attributes["edgent.escalation.reason"]).toBe("my card is [REDACTED:card]");
    // the user's own message is not redacted by an output guardrail: everything the model wrote is
    expect(placesOf(trace, CARD, ["gen_ai.input.messages"])).toEqual([]);
  });

  it("records a tool's error redacted when it repeats the call's arguments", async () => {
    const sessionId = await fx.api.session();
    const turn = (
      await fx.api.post(`/v1/sessions/${sessionId}/messages`, {
        content: `/tool current_time {"timeZone":"${EMAIL}"}`,
      })
    ).parse(turnResponseSchema);
    const trace = await traceOf(fx.api, sessionId, turn.turnId);
    const tool = trace.spans.find((span) => span.name === "execute_tool current_time");
    expect(tool?.status).toBe("error");
    expect(tool?.statusMessage).toContain("[REDACTED:email]");
    expect(placesOf(trace, EMAIL, ["gen_ai.input.messages"])).toEqual([]);
  });

  it("asks the user a question redacted, as its tool arguments are, in the reply, the live frame and the trace", async () => {
    // the travel agent offers ask_user (the assistant does not)
    const sessionId = await fx.api.session("travel");
    const live = await LiveClient.connect(fx.runtime.url, sessionId);
    const reply = await fx.api.post(`/v1/sessions/${sessionId}/messages`, {
      content: `/ask Is ${EMAIL} your address?`,
    });
    expect(reply.status, reply.text).toBe(200);
    const turn = reply.parse(turnResponseSchema);
    expect(turn.reply.content).not.toContain(EMAIL);
    const frame = await live.waitFor((f) => f.type === "event" && f.name === "question");
    live.close();
    expect(JSON.stringify(frame)).not.toContain(EMAIL);
    expect(JSON.stringify(frame)).toContain("[REDACTED:email]");
    const trace = await traceOf(fx.api, sessionId, turn.turnId);
    const tool = trace.spans.find((span) => span.name === "execute_tool ask_user");
    expect(String(tool?.attributes["gen_ai.tool.call.arguments"])).toContain("[REDACTED:email]");
    expect(placesOf(trace, EMAIL, ["gen_ai.input.messages"])).toEqual([]);
  });
});

describe("exported spans with content capture off", () => {
  it("send the collector no escalation reason nor a tool error that repeats a tool's arguments", async () => {
    const receiver = await startOtlpReceiver("ok");
    const runtime = await startRuntime({
      vars: {
        EDGENT_DEV_MODE: "true",
        EDGENT_POLICIES: JSON.stringify(POLICIES),
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      },
    });
    const api = new Client(runtime.url);
    try {
      const sessionId = await api.session();
      const escalated = await api.say(sessionId, `/escalate my card is ${CARD}`);
      const failed = await api.say(sessionId, `/tool current_time {"timeZone":"${EMAIL}"}`);
      const turnSpans = (turnId: string) =>
        receiver.spans.filter(
          (span) => span.name.startsWith("invoke_agent") && span.attributes["edgent.turn.id"] === turnId,
        );
      await waitUntil(
        async () => turnSpans(escalated.turnId).length + turnSpans(failed.turnId).length,
        (n) => n === 2,
        { what: "both turns' spans at the collector", timeoutMs: 15_000, intervalMs: 50 },
      );
      const places = receiver.spans.flatMap((span) => {
        const text = JSON.stringify({ status: span.status, attributes: span.attributes, events: span.events });
        return text.includes(CARD) || text.includes(EMAIL) ? [span.name] : [];
      });
      expect(places).toEqual([]);
    } finally {
      await runtime.dispose();
      await receiver.close();
    }
  });
});
