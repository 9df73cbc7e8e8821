/** A bound on one argument of a tool call, and what happens when a call goes past it. */
export interface ArgLimit<Arg extends string = string> {
  /** the argument, or a dotted path into it (`items.0.price`) */
  arg: Arg;
  /** largest number allowed */
  max?: number;
  /** smallest number allowed */
  min?: number;
  /** longest text or list allowed */
  maxLength?: number;
  /** past the bound the call needs a person's approval, or is refused outright */
  over: "approval" | "refuse";
}

/** What the limits make of a call. */
export type LimitCheck =
  | { action: "allow" }
  | { action: "block"; reason: string }
  | { action: "needs_approval"; reason: string };

/**
 * Checks a call's arguments against limits. A refusal wins over an approval; a limit on an
 * argument the call does not have is not broken.
 */
export function checkLimits(toolName: string, args: unknown, limits: readonly ArgLimit[]): LimitCheck {
  let approval: string | null = null;
  for (const limit of limits) {
    const broken = breach(valueAt(args, limit.arg), limit);
    if (!broken) continue;
    const reason = `${toolName}: ${limit.arg} ${broken}`;
    if (limit.over === "refuse") return { action: "block", reason: `${reason}; refused by policy` };
    approval ??= `${reason}; needs approval`;
  }
  return approval ? { action: "needs_approval", reason: approval } : { action: "allow" };
}

/** How a value breaks a limit, or null. */
function breach(value: unknown, limit: ArgLimit): string | null {
  if (typeof value === "number") {
    if (limit.max !== undefined && value > limit.max) return `${value} is above ${limit.max}`;
    if (limit.min !== undefined && value < limit.min) return `${value} is below ${limit.min}`;
  }
  if ((typeof value === "string" || Array.isArray(value)) && limit.maxLength !== undefined) {
    if (value.length > limit.maxLength) return `is longer than ${limit.maxLength}`;
  }
  return null;
}

function valueAt(args: unknown, path: string): unknown {
  let node = args;
  for (const key of path.split(".")) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
