import { ValidationError, type ValidationIssue } from '@omotenashi/core'
import type { IncomingHttpHeaders } from 'node:http'

/** The header prefix of CloudEvents attributes in HTTP binary content mode. */
const PREFIX = 'ce-'
/** Attribute names are lower-case letters and digits (CloudEvents 1.0, "Attribute Naming Convention"). */
const ATTRIBUTE_NAME = /^[a-z0-9]{1,20}$/
const REQUIRED = ['specversion', 'id', 'source', 'type'] as const

/**
 * True when a request is in CloudEvents HTTP binary content mode: it carries `ce-specversion`
 * and its content type is not one of the CloudEvents event formats (those mean structured or
 * batch mode, which take precedence per the HTTP protocol binding, section 3).
 */
export function isBinaryMode(headers: IncomingHttpHeaders): boolean {
  if (headers['ce-specversion'] === undefined) return false
  const type = (headers['content-type'] ?? '').toLowerCase()
  return !type.startsWith('application/cloudevents')
}

/** True for content types whose bytes we parse as JSON: `application/json` and any `+json` type. */
export function isJsonMediaType(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  return type === 'application/json' || type.endsWith('+json')
}

function decode(header: string, value: string): string {
  // Values are percent-encoded UTF-8 (HTTP binding 3.1.3.2); a bad escape names the header.
  try {
    return decodeURIComponent(value)
  } catch {
    throw new ValidationError('CloudEvent (binary mode)', [{ path: header, message: 'is not valid percent-encoded UTF-8', code: 'custom' }])
  }
}

/**
 * Builds the structured form of a binary-mode CloudEvent: every `ce-<name>` header becomes the
 * attribute `<name>`, `Content-Type` becomes `datacontenttype`, the body becomes `data`. Throws a
 * {@link ValidationError} naming the header when a required one is missing or a name is invalid.
 */
export function cloudEventFromBinary(headers: IncomingHttpHeaders, body: unknown): Record<string, unknown> {
  const issues: ValidationIssue[] = []
  const event: Record<string, unknown> = {}
  for (const [name, raw] of Object.entries(headers)) {
    if (!name.startsWith(PREFIX) || raw === undefined) continue
    const attribute = name.slice(PREFIX.length)
    if (!ATTRIBUTE_NAME.test(attribute)) {
      issues.push({ path: name.slice(0, 60), message: 'is not a CloudEvents attribute name (lower-case letters and digits, at most 20)', code: 'custom' })
      continue
    }
    if (attribute === 'data' || attribute === 'datacontenttype') {
      issues.push({ path: name, message: `is not allowed in binary mode: the ${attribute === 'data' ? 'body carries the data' : 'Content-Type header carries it'}`, code: 'custom' })
      continue
    }
    event[attribute] = decode(name, Array.isArray(raw) ? raw.join(',') : raw)
  }
  for (const attribute of REQUIRED) {
    if (event[attribute] === undefined || event[attribute] === '') issues.push({ path: PREFIX + attribute, message: 'header is required in CloudEvents binary mode', code: 'invalid_type' })
  }
  if (event['specversion'] !== undefined && event['specversion'] !== '1.0') {
    issues.push({ path: 'ce-specversion', message: `must be "1.0", not "${String(event['specversion']).slice(0, 20)}"`, code: 'invalid_value' })
  }
  if (issues.length > 0) throw new ValidationError('CloudEvent (binary mode)', issues)
  const contentType = headers['content-type']
  if (contentType !== undefined) event['datacontenttype'] = contentType
  if (body !== undefined && body !== null && body !== '') event['data'] = body
  return event
}

/**
 * Renames the attribute paths of a CloudEvent validation error to the headers they came from
 * (`time` → `ce-time`, `data…` → `body…`), so a binary-mode caller reads which header is wrong.
 */
export function asHeaderError(error: ValidationError): ValidationError {
  const issues = error.issues.map((issue) => {
    if (issue.path === 'data' || issue.path.startsWith('data.')) return { ...issue, path: 'body' + issue.path.slice(4) }
    if (issue.path === 'datacontenttype') return { ...issue, path: 'content-type' }
    return issue.path ? { ...issue, path: PREFIX + issue.path } : issue
  })
  return new ValidationError('CloudEvent (binary mode)', issues, error.code)
}
