// GET /docs: the OpenAPI document rendered on the server as one HTML page, no scripts and
// nothing fetched from elsewhere, so it works offline and under a strict CSP.

/** What the page reads of an operation. */
interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: unknown[];
  requestBody?: unknown;
  responses?: Record<string, unknown>;
}

/** What the page reads of the document. */
export interface DocShape {
  info: { title: string; version: string; description?: string };
  tags?: Array<{ name: string; description?: string }>;
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown> };
}

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

function html(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Escaped prose, with `code` spans and paragraphs. */
function prose(text: string | undefined): string {
  if (!text) return "";
  return text
    .split(/\n{2,}/)
    .map((paragraph) => `<p>${html(paragraph).replace(/`([^`]+)`/g, "<code>$1</code>")}</p>`)
    .join("");
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

/** A schema as indented JSON, its `$ref`s linked to the schemas section. */
function schemaBlock(schema: unknown): string {
  const text = html(JSON.stringify(schema, null, 2));
  const linked = text.replace(
    /&#34;#\/components\/schemas\/([\w.-]+)&#34;/g,
    (_all, name: string) => `&#34;<a href="#schema-${name}">#/components/schemas/${name}</a>&#34;`,
  );
  return `<pre>${linked}</pre>`;
}

function content(body: unknown): string {
  const media = record(record(body).content);
  return Object.entries(media)
    .map(
      ([type, value]) =>
        `<details><summary><code>${html(type)}</code></summary>${schemaBlock(record(value).schema)}</details>`,
    )
    .join("");
}

function parameterRows(parameters: unknown[]): string {
  if (parameters.length === 0) return "";
  const rows = parameters.map((raw) => {
    const p = record(raw);
    const schema = record(p.schema);
    const type = typeof schema.type === "string" ? schema.type : "";
    return `<tr><td><code>${html(String(p.name ?? ""))}</code></td><td>${html(String(p.in ?? ""))}</td><td>${p.required ? "yes" : ""}</td><td>${html(type)}</td><td>${prose(String(p.description ?? schema.description ?? ""))}</td></tr>`;
  });
  return `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th><th>type</th><th></th></tr>${rows.join("")}</table>`;
}

function operationHtml(method: string, path: string, op: Operation): string {
  const id = op.operationId ?? `${method}-${path}`;
  const responses = Object.entries(op.responses ?? {})
    .map(
      ([status, response]) =>
        `<li><b>${html(status)}</b> ${prose(String(record(response).description ?? ""))}${content(response)}</li>`,
    )
    .join("");
  return `<section id="${html(id)}"><h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${html(path)}</code></h3>
<p class="summary">${html(op.summary ?? "")} <small>(${html(id)})</small></p>${prose(op.description)}
${parameterRows(op.parameters ?? [])}${op.requestBody ? `<h4>Body</h4>${content(op.requestBody)}` : ""}
<h4>Responses</h4><ul>${responses}</ul></section>`;
}

/** The document as a self-contained HTML page. */
export function renderDocs(doc: DocShape): string {
  const operations: Array<{ tag: string; html: string; link: string }> = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method] as Operation | undefined;
      if (!op) continue;
      const id = op.operationId ?? `${method}-${path}`;
      operations.push({
        tag: op.tags?.[0] ?? "other",
        html: operationHtml(method, path, op),
        link: `<li><a href="#${html(id)}"><span class="method ${method}">${method.toUpperCase()}</span> ${html(path)}</a></li>`,
      });
    }
  }
  // every tag an operation uses gets a section, declared or not
  const tags = [...new Set([...(doc.tags ?? []).map((t) => t.name), ...operations.map((o) => o.tag)])];
  const byTag = (tag: string) => operations.filter((o) => o.tag === tag);
  const nav = tags
    .filter((tag) => byTag(tag).length > 0)
    .map(
      (tag) =>
        `<li>${html(tag)}<ul>${byTag(tag)
          .map((o) => o.link)
          .join("")}</ul></li>`,
    )
    .join("");
  const sections = tags
    .filter((tag) => byTag(tag).length > 0)
    .map((tag) => {
      const description = doc.tags?.find((t) => t.name === tag)?.description ?? "";
      return `<h2 id="tag-${html(tag)}">${html(tag)}</h2><p>${html(description)}</p>${byTag(tag)
        .map((o) => o.html)
        .join("")}`;
    })
    .join("");
  const schemas = Object.entries(doc.components?.schemas ?? {})
    .map(
      ([name, schema]) => `<section id="schema-${html(name)}"><h3>${html(name)}</h3>${schemaBlock(schema)}</section>`,
    )
    .join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(doc.info.title)} ${html(doc.info.version)}</title><style>${STYLE}</style></head>
<body><nav><p><b>${html(doc.info.title)}</b> ${html(doc.info.version)}</p><p><a href="/openapi.json">openapi.json</a></p><ul>${nav}</ul><p><a href="#schemas">Schemas</a></p></nav>
<main><h1>${html(doc.info.title)}</h1>${prose(doc.info.description)}${sections}<h2 id="schemas">Schemas</h2>${schemas}</main></body></html>`;
}

const STYLE = `body{margin:0;display:flex;font:15px/1.5 system-ui,sans-serif;color:#1b1b1f}
nav{position:sticky;top:0;height:100vh;overflow:auto;width:20rem;flex:none;padding:1rem;background:#f4f4f6;font-size:13px}
nav ul{list-style:none;padding-left:.6rem}main{padding:1rem 2rem;max-width:60rem;overflow:auto}
section{border-top:1px solid #ddd;padding:.5rem 0}pre{background:#f6f8fa;padding:.6rem;overflow:auto;font-size:12px}
code{background:#f0f0f3;padding:0 .2rem}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
td p{margin:0}.method{display:inline-block;min-width:3.5rem;font:bold 12px monospace;color:#fff;background:#555;padding:.1rem .3rem;border-radius:3px}
.get{background:#2b7a3d}.post{background:#2458a6}.delete{background:#a62424}.summary{font-weight:600}a{color:#2458a6}`;
