import { token } from '@omotenashi/core'
import type { ClickAndCollectConnector } from './oms/click-and-collect.js'
import type { ErpCsvFeedConnector } from './csv/erp-csv-feed.js'
import type { ErpInventory } from './inventory.js'
import type { OdooFeedConnector } from './odoo/odoo-feed.js'
import type { SapFeedConnector } from './sap/sap-feed.js'
import type { FeedStateStore } from './state-store.js'

/** Service identifiers of `@omotenashi/connector-erp`. */
export const ErpTokens = {
  /** The ERP-fed inventory (also bound to core's `Tokens.Inventory` by `erpInventory()`). */
  Inventory: token<ErpInventory>('@omotenashi/connector-erp:Inventory'),
  /** Where feeds keep previous snapshots and cursors (default: memory). */
  FeedState: token<FeedStateStore>('@omotenashi/connector-erp:FeedState'),
  /** The CSV drop-directory feed. */
  CsvFeed: token<ErpCsvFeedConnector>('@omotenashi/connector-erp:CsvFeed'),
  /** The Odoo feed. */
  OdooFeed: token<OdooFeedConnector>('@omotenashi/connector-erp:OdooFeed'),
  /** The SAP S/4HANA feed. */
  SapFeed: token<SapFeedConnector>('@omotenashi/connector-erp:SapFeed'),
  /** The click & collect order-status receiver. */
  ClickAndCollect: token<ClickAndCollectConnector>('@omotenashi/connector-erp:ClickAndCollect'),
} as const
