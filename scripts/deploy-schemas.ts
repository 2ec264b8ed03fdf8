/**
 * Prepares offline JSON schemas for kubeconform (scripts/validate-deploy.sh runs it with tsx):
 *
 *   k8s SRC OUT    SRC: one "vX.Y.Z-local-strict" folder of the PyPI package kubernetes-validate
 *                  (JSON schemas generated from the Kubernetes OpenAPI spec; strict = no unknown
 *                  fields). Their $refs point into a shared _definitions.json under an https $id,
 *                  which kubeconform would try to download; this writes each kind's schema
 *                  standalone (the definitions it reaches inlined under $defs) as
 *                  OUT/<kind>-<group>-<version>.json, kubeconform's {{.ResourceKind}}{{.KindSuffix}} naming.
 *   crds SRC OUT   SRC: a folder of CustomResourceDefinition YAML files (Dapr's charts/dapr/crds).
 *                  Writes OUT/<group>/<kind>_<version>.json for every served version, converted the
 *                  way kubeconform's openapi2jsonschema.py does (int-or-string, nullable, and in
 *                  strict mode additionalProperties: false where the CRD does not preserve unknown
 *                  fields).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const DEFS_PREFIX = '#/$defs/';

function collectRefs(node: Json, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectRefs(item, into);
  } else if (isObj(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') {
        const i = value.indexOf(DEFS_PREFIX);
        if (i >= 0) into.add(value.slice(i + DEFS_PREFIX.length));
      } else {
        collectRefs(value, into);
      }
    }
  }
}

function rewriteRefs(node: Json): Json {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (!isObj(node)) return node;
  const out: Obj = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string' && value.includes(DEFS_PREFIX)) {
      out[key] = DEFS_PREFIX + value.slice(value.indexOf(DEFS_PREFIX) + DEFS_PREFIX.length);
    } else {
      out[key] = rewriteRefs(value);
    }
  }
  return out;
}

function k8s(src: string, out: string): number {
  const defsFile = JSON.parse(readFileSync(path.join(src, '_definitions.json'), 'utf8')) as Obj;
  const defs = defsFile.$defs;
  if (!isObj(defs)) throw new Error(`${src}/_definitions.json has no $defs`);
  mkdirSync(out, { recursive: true });
  let written = 0;
  for (const file of readdirSync(src)) {
    if (!file.endsWith('.json') || file === '_definitions.json') continue;
    const schema = JSON.parse(readFileSync(path.join(src, file), 'utf8')) as Obj;
    // only resource kinds (what kubeconform looks up), not every nested type
    if (!Array.isArray(schema['x-kubernetes-group-version-kind'])) continue;
    const needed = new Set<string>();
    collectRefs(schema, needed);
    const queue = [...needed];
    while (queue.length) {
      const name = queue.pop() as string;
      const def = defs[name];
      if (def === undefined) throw new Error(`${file}: $ref to unknown definition ${name}`);
      const more = new Set<string>();
      collectRefs(def, more);
      for (const m of more) {
        if (!needed.has(m)) {
          needed.add(m);
          queue.push(m);
        }
      }
    }
    const standalone: Obj = { ...(rewriteRefs(schema) as Obj) };
    delete standalone.$id;
    standalone.$defs = Object.fromEntries([...needed].sort().map((n) => [n, rewriteRefs(defs[n] as Json)]));
    writeFileSync(path.join(out, file), JSON.stringify(standalone));
    written++;
  }
  return written;
}

/** openapi2jsonschema's conversion of an OpenAPI v3 (CRD) schema to JSON schema, strict. */
function crdToJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(crdToJsonSchema);
  if (!isObj(node)) return node;
  const out: Obj = {};
  for (const [key, value] of Object.entries(node)) {
    // property maps hold names, not schemas: convert each schema under them, keep the names
    if ((key === 'properties' || key === 'patternProperties') && isObj(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, crdToJsonSchema(v)]));
    } else {
      out[key] = crdToJsonSchema(value);
    }
  }
  if (out['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    delete out.format;
    out.oneOf = [{ type: 'string' }, { type: 'integer' }];
  }
  if (out.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  delete out.nullable;
  if (
    isObj(out.properties) &&
    out.additionalProperties === undefined &&
    out['x-kubernetes-preserve-unknown-fields'] !== true &&
    out['x-kubernetes-embedded-resource'] !== true
  ) {
    out.additionalProperties = false;
  }
  return out;
}

function crds(src: string, out: string): number {
  let written = 0;
  for (const file of readdirSync(src).sort()) {
    if (!/\.ya?ml$/.test(file)) continue;
    for (const doc of parseAllDocuments(readFileSync(path.join(src, file), 'utf8'))) {
      const crd = doc.toJS() as unknown;
      if (!isObj(crd) || crd.kind !== 'CustomResourceDefinition' || !isObj(crd.spec)) continue;
      const { group, names, versions } = crd.spec;
      if (typeof group !== 'string' || !isObj(names) || typeof names.kind !== 'string' || !Array.isArray(versions)) {
        throw new Error(`${file}: not a CustomResourceDefinition of apiextensions.k8s.io/v1`);
      }
      for (const version of versions) {
        if (!isObj(version) || version.served === false) continue;
        const schema = isObj(version.schema) ? version.schema.openAPIV3Schema : undefined;
        if (!isObj(schema)) throw new Error(`${file}: version ${String(version.name)} has no openAPIV3Schema`);
        const json = crdToJsonSchema(schema) as Obj;
        json.$schema = 'http://json-schema.org/draft-07/schema#';
        const dir = path.join(out, group);
        mkdirSync(dir, { recursive: true });
        writeFileSync(path.join(dir, `${names.kind.toLowerCase()}_${String(version.name)}.json`), JSON.stringify(json, null, 1));
        written++;
      }
    }
  }
  return written;
}

const [cmd, src, out] = process.argv.slice(2);
if (!src || !out || (cmd !== 'k8s' && cmd !== 'crds')) {
  process.stderr.write('usage: deploy-schemas.ts k8s|crds SRC OUT\n');
  process.exit(2);
}
const n = cmd === 'k8s' ? k8s(src, out) : crds(src, out);
if (n === 0) {
  process.stderr.write(`deploy-schemas ${cmd}: no schema found in ${src}\n`);
  process.exit(1);
}
process.stdout.write(`${n} schemas written to ${out}\n`);
