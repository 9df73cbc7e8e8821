import { z } from "zod";
import { ERROR_CODES } from "../errors";

/** The body of every error answer of the native API: `{"error":{"code","message"}}`. */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      /** the turn that failed, when one did */
      turnId: z.string().optional(),
      /** when to try again (also sent as Retry-After) */
      retryAfterMs: z.number().optional(),
    }),
  })
  .meta({ id: "Error" });
export type ErrorBodyWire = z.infer<typeof errorBodySchema>;
