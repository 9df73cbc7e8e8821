import { z } from "zod";
import type { ErrorBody } from "../errors";
import { frameErrorSchema } from "./frames";

/** The body of every error response: the error as frames carry it (its type is shared/errors' `ErrorBody`). */
export const errorBodySchema = z.object({ error: frameErrorSchema }) satisfies z.ZodType<ErrorBody>;
