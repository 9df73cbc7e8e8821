// Resolves the source's extensionless relative imports (`./foo` → `./foo.ts`), so a bench can
// run the runtime's own modules in Node, outside workerd (see tracer-cost.ts).
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    const relative = /^\.\.?\//.test(specifier) && !/\.[cm]?[jt]s$/.test(specifier);
    if (error?.code === "ERR_MODULE_NOT_FOUND" && relative) return next(`${specifier}.ts`, context);
    throw error;
  }
}
