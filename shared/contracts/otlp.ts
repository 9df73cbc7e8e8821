import { z } from "zod";

/** An attribute value as OTLP/JSON writes it; Edgent writes whole numbers as int64 strings. */
export type OtlpAnyValue =
  | { stringValue: string }
  | { intValue: string }
  | { doubleValue: number }
  | { boolValue: boolean }
  | { arrayValue: { values: OtlpAnyValue[] } };
export const otlpAnyValueSchema: z.ZodType<OtlpAnyValue> = z.lazy(() =>
  z.union([
    z.object({ stringValue: z.string() }),
    z.object({ intValue: z.string().regex(/^-?\d+$/) }),
    z.object({ doubleValue: z.number() }),
    z.object({ boolValue: z.boolean() }),
    z.object({ arrayValue: z.object({ values: z.array(otlpAnyValueSchema) }) }),
  ]),
);

/** Attributes as OTLP/JSON lists them: key/value pairs. */
export const otlpAttributesSchema = z.array(z.object({ key: z.string(), value: otlpAnyValueSchema }));
export type OtlpAttributes = z.infer<typeof otlpAttributesSchema>;

const nanosSchema = z.string().regex(/^\d+$/);

/** One span of an export: hex ids, nanosecond strings, numeric kind and status code. */
export const otlpSpanSchema = z.object({
  traceId: z.string().regex(/^[0-9a-f]{32}$/),
  spanId: z.string().regex(/^[0-9a-f]{16}$/),
  parentSpanId: z
    .string()
    .regex(/^[0-9a-f]{16}$/)
    .optional(),
  name: z.string(),
  /** 1 internal, 2 server, 3 client, 4 producer, 5 consumer */
  kind: z.number().int().min(1).max(5),
  startTimeUnixNano: nanosSchema,
  endTimeUnixNano: nanosSchema,
  attributes: otlpAttributesSchema,
  events: z.array(z.object({ timeUnixNano: nanosSchema, name: z.string(), attributes: otlpAttributesSchema })),
  /** 0 unset, 1 ok, 2 error */
  status: z.object({ code: z.number().int().min(0).max(2), message: z.string().optional() }),
});
export type OtlpSpan = z.infer<typeof otlpSpanSchema>;

/** The body of an OTLP/HTTP JSON trace export (ExportTraceServiceRequest) as the exporter posts it. */
export const otlpExportSchema = z.object({
  resourceSpans: z.array(
    z.object({
      resource: z.object({ attributes: otlpAttributesSchema }),
      scopeSpans: z.array(
        z.object({
          scope: z.object({ name: z.string(), version: z.string() }),
          spans: z.array(otlpSpanSchema),
        }),
      ),
    }),
  ),
});
export type OtlpExport = z.infer<typeof otlpExportSchema>;
