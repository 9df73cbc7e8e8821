// `node --import ./bench/register-ts.mjs`: lets Node resolve the source's extensionless imports.
import { register } from "node:module";

register("./ts-resolve.mjs", import.meta.url);
