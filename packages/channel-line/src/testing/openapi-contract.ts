import { readFileSync } from 'node:fs'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { parse as parseYaml } from 'yaml'

/** A JSON object of the OpenAPI document, as parsed. */
export type OpenApiJson = Record<string, unknown>
type Json = OpenApiJson

/** One contract violation: where (a JSON pointer into the checked value) and why. */
export interface ContractIssue {
  readonly path: string
  readonly message: string
}

const SCHEMAS = '#/components/schemas/'

// ajv-formats is CommonJS with a default export: under ESM it may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => void

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** OpenAPI 3.0's `nullable` is not JSON Schema: turn `nullable: true` into a `null` type. */
function convertNullable(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(convertNullable)
  if (!isObject(node)) return
  if (node['nullable'] === true && typeof node['type'] === 'string') node['type'] = [node['type'], 'null']
  for (const value of Object.values(node)) convertNullable(value)
}

/**
 * Makes OpenAPI discriminators binding. LINE models subtypes as `Sub = allOf[Base, {...}]` with
 * `discriminator` on Base, which plain JSON Schema validators ignore (a text message without
 * `text` would pass). For every schema with a discriminator this keeps a plain copy `Base__plain`
 * for the subtypes' own `allOf` (so Base → Sub → Base does not loop) and replaces Base with:
 * the plain copy, "the property is one of the mapped values", and for each mapped value
 * "if the property is X, the value matches X's schema".
 */
function enforceDiscriminators(schemas: Json): void {
  for (const [name, schema] of Object.entries(schemas)) {
    if (!isObject(schema) || !isObject(schema['discriminator'])) continue
    const discriminator = schema['discriminator'] as { propertyName: string; mapping?: Record<string, string> }
    const mapping = discriminator.mapping ?? {}
    const plainName = `${name}__plain`
    const { discriminator: _d, ...plain } = schema
    schemas[plainName] = plain
    for (const ref of Object.values(mapping)) {
      const sub = schemas[ref.slice(SCHEMAS.length)]
      if (!isObject(sub) || !Array.isArray(sub['allOf'])) continue
      sub['allOf'] = (sub['allOf'] as unknown[]).map((part) => (isObject(part) && part['$ref'] === `${SCHEMAS}${name}` ? { $ref: `${SCHEMAS}${plainName}` } : part))
    }
    const property = discriminator.propertyName
    schemas[name] = {
      allOf: [
        { $ref: `${SCHEMAS}${plainName}` },
        { type: 'object', required: [property], properties: { [property]: { enum: Object.keys(mapping) } } },
        ...Object.entries(mapping).map(([value, ref]) => ({
          if: { type: 'object', required: [property], properties: { [property]: { const: value } } },
          then: { $ref: ref },
        })),
      ],
    }
  }
}

function issuesOf(errors: ErrorObject[] | null | undefined): ContractIssue[] {
  const issues = (errors ?? [])
    // "must match then schema" and "must match all of" only repeat the real error below them.
    .filter((e) => e.keyword !== 'if' && e.keyword !== 'allOf')
    .map((e) => ({ path: e.instancePath || '/', message: `${e.message ?? e.keyword}${e.keyword === 'enum' ? `: ${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)}` : ''}` }))
  const unique = new Map(issues.map((i) => [`${i.path} ${i.message}`, i]))
  return [...unique.values()]
}

interface Operation {
  readonly method: string
  readonly pattern: RegExp
  readonly template: string
  readonly operationId: string
  readonly bodyRef: string | undefined
  readonly headerParams: ReadonlyArray<{ name: string; required: boolean; schema: Json }>
  readonly responses: Readonly<Record<string, string | undefined>>
}

/**
 * An OpenAPI 3.0 document turned into validators (ajv, all formats, discriminators enforced):
 * check a value against a named schema, or a whole request or response against an operation.
 */
export class OpenApiContract {
  readonly #ajv: Ajv
  readonly #id: string
  readonly #operations: Operation[] = []
  readonly #compiled = new Map<string, ValidateFunction>()

  /** @param spec - path of the YAML/JSON document, or the parsed document. */
  constructor(spec: string | OpenApiJson) {
    const doc = (typeof spec === 'string' ? parseYaml(readFileSync(spec, 'utf8')) : structuredClone(spec)) as Json
    const components = (doc['components'] ?? {}) as Json
    const schemas = (components['schemas'] ?? {}) as Json
    convertNullable(schemas)
    enforceDiscriminators(schemas)
    this.#ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateFormats: true })
    addFormats(this.#ajv)
    this.#id = 'openapi-contract'
    this.#ajv.addSchema({ $id: this.#id, components: { schemas } })
    for (const [path, item] of Object.entries((doc['paths'] ?? {}) as Json)) {
      if (!isObject(item)) continue
      for (const [method, op] of Object.entries(item)) {
        if (!isObject(op) || typeof op['operationId'] !== 'string') continue
        const content = ((op['requestBody'] as Json | undefined)?.['content'] ?? {}) as Json
        const bodyRef = ((content['application/json'] as Json | undefined)?.['schema'] as Json | undefined)?.['$ref'] as string | undefined
        const params = [...((item['parameters'] as Json[] | undefined) ?? []), ...((op['parameters'] as Json[] | undefined) ?? [])]
        const responses: Record<string, string | undefined> = {}
        for (const [status, response] of Object.entries((op['responses'] ?? {}) as Json)) {
          const schema = ((((response as Json)['content'] ?? {}) as Json)['application/json'] as Json | undefined)?.['schema'] as Json | undefined
          responses[status] = schema?.['$ref'] as string | undefined
        }
        this.#operations.push({
          method: method.toUpperCase(),
          template: path,
          pattern: new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`),
          operationId: op['operationId'],
          bodyRef,
          headerParams: params.filter((p) => p['in'] === 'header').map((p) => ({ name: String(p['name']).toLowerCase(), required: p['required'] === true, schema: (p['schema'] ?? {}) as Json })),
          responses,
        })
      }
    }
  }

  #validator(ref: string): ValidateFunction {
    let fn = this.#compiled.get(ref)
    if (!fn) {
      fn = this.#ajv.compile({ $ref: `${this.#id}${ref}` })
      this.#compiled.set(ref, fn)
    }
    return fn
  }

  /** Checks a value against `#/components/schemas/<name>`. */
  validateSchema(name: string, value: unknown): ContractIssue[] {
    const fn = this.#validator(`${SCHEMAS}${name}`)
    return fn(value) ? [] : issuesOf(fn.errors)
  }

  /** The operation a method and path address, if the document has one. */
  operation(method: string, path: string): { readonly operationId: string; readonly template: string } | undefined {
    return this.#operations.find((o) => o.method === method.toUpperCase() && o.pattern.test(path))
  }

  /** Checks a request: the operation exists, its header parameters, and the JSON body. */
  validateRequest(method: string, path: string, headers: Readonly<Record<string, string | string[] | undefined>>, body: unknown): ContractIssue[] {
    const op = this.#operations.find((o) => o.method === method.toUpperCase() && o.pattern.test(path))
    if (!op) return [{ path: '/', message: `no operation ${method.toUpperCase()} ${path} in the contract` }]
    const issues: ContractIssue[] = []
    for (const param of op.headerParams) {
      const raw = headers[param.name]
      const value = Array.isArray(raw) ? raw[0] : raw
      if (value === undefined) {
        if (param.required) issues.push({ path: `header ${param.name}`, message: 'is required' })
        continue
      }
      const fn = this.#ajv.compile(param.schema)
      if (!fn(value)) for (const i of issuesOf(fn.errors)) issues.push({ path: `header ${param.name}`, message: i.message })
    }
    if (op.bodyRef) {
      const fn = this.#validator(op.bodyRef)
      if (!fn(body)) issues.push(...issuesOf(fn.errors))
    }
    return issues
  }

  /** Checks a response body against what the operation documents for that status (if it does). */
  validateResponse(method: string, path: string, status: number, body: unknown): ContractIssue[] {
    const op = this.#operations.find((o) => o.method === method.toUpperCase() && o.pattern.test(path))
    if (!op) return [{ path: '/', message: `no operation ${method.toUpperCase()} ${path} in the contract` }]
    // LINE documents only some statuses (no 5xx): an undocumented status has no body to check.
    if (!(String(status) in op.responses)) return []
    const ref = op.responses[String(status)]
    if (!ref) return []
    const fn = this.#validator(ref)
    return fn(body) ? [] : issuesOf(fn.errors)
  }
}
