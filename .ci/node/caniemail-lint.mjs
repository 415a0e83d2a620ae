// Lints an HTML file with caniemail for the clients the desk's readers use, and prints one JSON object:
// {"errors": {feature: [client, ...]}, "warnings": {feature: [client, ...]}} (features sorted, clients sorted).
// Usage: node .ci/node/caniemail-lint.mjs FILE.html
import { readFileSync } from "node:fs";
import { caniemail } from "caniemail";

const CLIENTS = ["gmail.*", "outlook.*", "apple-mail.*"];
const html = readFileSync(process.argv[2], "utf8");
const { issues } = caniemail({ clients: CLIENTS, html });
const out = {};
for (const kind of ["errors", "warnings"]) {
  const byFeature = {};
  for (const [client, list] of issues[kind]) {
    for (const issue of list) (byFeature[issue.title] ??= new Set()).add(client);
  }
  out[kind] = Object.fromEntries(Object.keys(byFeature).sort().map((f) => [f, [...byFeature[f]].sort()]));
}
console.log(JSON.stringify(out, null, 1));
