/**
 * Windows such as `90d` are read by core's one duration parser (a `ValidationError` names
 * the field and the reason). Re-exported here because the profile rules, traits and queries, and
 * code written against this package, import them from `@omotenashi/profile`.
 */
export { DURATION_PATTERN, parseDuration } from '@omotenashi/core'
