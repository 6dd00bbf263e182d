import { readFileSync } from 'node:fs'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'

/**
 * OpenAPI 3.0 `nullable` as JSON Schema: `{ type: 'string', nullable: true }` becomes
 * `type: ['string', 'null']`, a nullable `$ref` becomes `anyOf: [ref, null]`.
 */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema)
  if (typeof node !== 'object' || node === null) return node
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(node)) out[key] = key === 'example' || key === 'examples' ? value : toJsonSchema(value)
  if (out['nullable'] === true) {
    delete out['nullable']
    if (typeof out['$ref'] === 'string') return { anyOf: [{ $ref: out['$ref'] }, { type: 'null' }] }
    if (typeof out['type'] === 'string') out['type'] = [out['type'], 'null']
    if (Array.isArray(out['enum'])) out['enum'] = [...(out['enum'] as unknown[]), null]
  } else if ('nullable' in out) delete out['nullable']
  return out
}

/**
 * Validates bodies against schemas of Square's OpenAPI document (the official
 * connect-api-specification, which the monorepo keeps beside the checkout under
 * `shared/contracts/square/api.json`). Pass the file's path; nothing of it is copied.
 */
export function squareSchemaValidator(specPath: string): (schemaName: string, value: unknown) => string[] {
  const spec = JSON.parse(readFileSync(specPath, 'utf8')) as Record<string, unknown>
  // OpenAPI 3.0 uses `nullable` and vendor keywords (`x-…`, `example`): not strict JSON Schema.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true })
  addFormats.default(ajv)
  ajv.addSchema({ ...(toJsonSchema(spec) as Record<string, unknown>), $id: 'square-api' })
  const cache = new Map<string, ValidateFunction>()
  return (schemaName, value) => {
    let validate = cache.get(schemaName)
    if (!validate) {
      validate = ajv.getSchema(`square-api#/components/schemas/${schemaName}`)
      if (!validate) throw new Error(`no schema ${schemaName} in the Square spec`)
      cache.set(schemaName, validate)
    }
    return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`)
  }
}
