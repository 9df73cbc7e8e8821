import { z } from "zod";

/**
 * What happens to a message that arrives while a turn is running: run it after (enqueue),
 * refuse it (reject), or cancel the running turn and run it next (interrupt).
 */
export const onBusySchema = z.enum(["enqueue", "reject", "interrupt"]);
export type OnBusy = z.infer<typeof onBusySchema>;
