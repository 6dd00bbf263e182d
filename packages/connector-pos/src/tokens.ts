import { token } from '@omotenashi/core'
import type { CheckpointStore } from './journal/checkpoint-store.js'
import type { JournalImportConnector } from './journal/journal-import.js'
import type { ShopifyPosConnector } from './shopify/shopify-pos.js'
import type { SmaregiPosConnector } from './smaregi/smaregi-pos.js'
import type { SquarePosConnector } from './square/square-pos.js'

/** Service identifiers of `@omotenashi/connector-pos`. */
export const PosTokens = {
  /** The Square connector (bound by `squarePos()`). */
  SquarePos: token<SquarePosConnector>('@omotenashi/connector-pos:SquarePos'),
  /** The Shopify POS connector (bound by `shopifyPos()`). */
  ShopifyPos: token<ShopifyPosConnector>('@omotenashi/connector-pos:ShopifyPos'),
  /** The Smaregi connector (bound by `smaregiPos()`). */
  SmaregiPos: token<SmaregiPosConnector>('@omotenashi/connector-pos:SmaregiPos'),
  /** The journal import connector (bound by `journalImport()`). */
  JournalImport: token<JournalImportConnector>('@omotenashi/connector-pos:JournalImport'),
  /** Where journal imports keep their checkpoints (default: memory). */
  CheckpointStore: token<CheckpointStore>('@omotenashi/connector-pos:CheckpointStore'),
} as const
