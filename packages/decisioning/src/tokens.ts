import { token } from '@omotenashi/core'
import type { ContactHistory } from './contact-history.js'
import type { DecisionEngine } from './engine.js'
import type { ResponseModel } from './response-model.js'
import type { RulesRegistry } from './rules-registry.js'

/** The service identifiers of `@omotenashi/decisioning`. */
export const DecisioningTokens = {
  /** The rules in force; `reload()` swaps them. */
  RulesRegistry: token<RulesRegistry>('@omotenashi/decisioning:RulesRegistry'),
  /** Contacts planned, for caps and cool-downs (memory by default; bind your own). */
  ContactHistory: token<ContactHistory>('@omotenashi/decisioning:ContactHistory'),
  /** The per-action × segment response model. */
  ResponseModel: token<ResponseModel>('@omotenashi/decisioning:ResponseModel'),
  /** The decision engine. */
  Engine: token<DecisionEngine>('@omotenashi/decisioning:Engine'),
} as const

