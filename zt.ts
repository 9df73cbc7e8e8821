import { compileErrors, validate } from "@readme/openapi-parser";
import { app } from "./workers/app.ts";

const res = await app.request("/openapi.json");
const doc = await res.json();
console.log(res.status, Object.keys(doc.paths).length, Object.keys(doc.components.schemas ?? {}));
const result = await validate(structuredClone(doc));
console.log(result.valid, result.valid ? "" : compileErrors(result));
console.log(JSON.stringify(doc.paths["/v1/sessions/{id}/messages"].post, null, 1).slice(0, 3000));
const served = new Set(app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`));
console.log([...served]);
