import { SourceNameSchema } from '@omotenashi/core'

/** The `source` of the events a feed publishes. Default `erp`. */
export const sourceOption = SourceNameSchema.default('erp')
