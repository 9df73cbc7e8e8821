/** Outcome of evaluating an arithmetic expression. */
export type CalcResult = { ok: true; value: number } | { ok: false; error: string };

const MAX_EXPRESSION_CHARS = 1_000;
const MAX_DEPTH = 64;

/**
 * Evaluates an arithmetic expression with + - * / % ^, parentheses, unary signs and
 * decimals. A hand-written parser, because eval is unavailable in Workers and unsafe anyway.
 */
export function calculate(expression: string): CalcResult {
  if (expression.length > MAX_EXPRESSION_CHARS) {
    return { ok: false, error: `expression is longer than ${MAX_EXPRESSION_CHARS} characters` };
  }
  const parser = new Parser(expression);
  try {
    const value = parser.parse();
    if (!Number.isFinite(value)) return { ok: false, error: "result is not a finite number" };
    return { ok: true, value };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly src: string) {}

  parse(): number {
    const value = this.sum();
    this.skipSpace();
    if (this.pos < this.src.length) throw new Error(`unexpected '${this.src[this.pos]}' at position ${this.pos + 1}`);
    return value;
  }

  private sum(): number {
    let value = this.product();
    for (;;) {
      const op = this.peek();
      if (op !== "+" && op !== "-") return value;
      this.pos++;
      const rhs = this.product();
      value = op === "+" ? value + rhs : value - rhs;
    }
  }

  private product(): number {
    let value = this.power();
    for (;;) {
      const op = this.peek();
      if (op !== "*" && op !== "/" && op !== "%") return value;
      this.pos++;
      const rhs = this.power();
      if ((op === "/" || op === "%") && rhs === 0) throw new Error("division by zero");
      value = op === "*" ? value * rhs : op === "/" ? value / rhs : value % rhs;
    }
  }

  // right-associative: 2^3^2 = 2^9
  private power(): number {
    const base = this.unary();
    if (this.peek() !== "^") return base;
    this.pos++;
    return base ** this.power();
  }

  private unary(): number {
    const op = this.peek();
    if (op === "-" || op === "+") {
      this.pos++;
      this.enter();
      const value = this.unary();
      this.depth--;
      return op === "-" ? -value : value;
    }
    return this.atom();
  }

  private atom(): number {
    const ch = this.peek();
    if (ch === "(") {
      this.pos++;
      this.enter();
      const value = this.sum();
      this.depth--;
      if (this.peek() !== ")") throw new Error(`expected ')' at position ${this.pos + 1}`);
      this.pos++;
      return value;
    }
    const match = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(this.src.slice(this.pos));
    if (!match) {
      throw new Error(
        ch === undefined ? "unexpected end of expression" : `unexpected '${ch}' at position ${this.pos + 1}`,
      );
    }
    this.pos += match[0].length;
    return Number(match[0]);
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw new Error("expression is nested too deeply");
  }

  private peek(): string | undefined {
    this.skipSpace();
    return this.src[this.pos];
  }

  private skipSpace(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos] as string)) this.pos++;
  }
}
